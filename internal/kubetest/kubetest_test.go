package kubetest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// recorder stands in for a test to observe whether KubeconfigPath skips or fails.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Skip(a ...any)             { r.skipped, r.msg = true, fmt.Sprint(a...) }
func (r *recorder) Fatal(a ...any)            { r.failed, r.msg = true, fmt.Sprint(a...) }
func (r *recorder) Fatalf(f string, a ...any) { r.failed, r.msg = true, fmt.Sprintf(f, a...) }
func (r *recorder) Skipf(f string, a ...any)  { r.skipped, r.msg = true, fmt.Sprintf(f, a...) }

func TestUnavailableSkipsLocallyAndFailsInCI(t *testing.T) {
	t.Setenv(EnvKubeconfig, t.TempDir()+"/missing")
	t.Setenv("KUBECONFIG", "/should/never/be/read")
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		KubeconfigPath(r)
		if ci == "true" && (!r.failed || r.skipped) || ci == "" && (!r.skipped || r.failed) {
			t.Errorf("CI=%q: skipped %v failed %v", ci, r.skipped, r.failed)
		}
		if !strings.Contains(r.msg, "make kube-up") || !strings.Contains(r.msg, "missing") {
			t.Errorf("CI=%q: message %q lacks the hint or the path", ci, r.msg)
		}
	}
}

func TestNamespaceName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	seen := map[string]bool{}
	for _, in := range []string{"TestX/sub_case", "", "---", strings.Repeat("Ab", 60), "Ünïcode test"} {
		n := NamespaceName(in)
		if !valid.MatchString(n) || len(n) > 63 || seen[n] {
			t.Errorf("NamespaceName(%q) = %q", in, n)
		}
		seen[n] = true
	}
}
