package node

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kubeproof/kubeproof/evidence"
)

// TestGaps: the host's oddities become gaps and collection carries on.
func TestGaps(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "etc/kubernetes/manifests/kube-apiserver.yaml"),
		"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n    command: [kube-apiserver, --audit-policy-file=/etc/kubernetes/big.yaml, --admission-control-config-file=/etc/kubernetes/bad.yaml, --tls-cert-file=/etc/kubernetes/loop.crt, --client-ca-file=/etc/kubernetes/dangling.crt]\n")
	write(t, filepath.Join(root, "etc/kubernetes/big.yaml"), strings.Repeat("# padding\n", 200))
	write(t, filepath.Join(root, "etc/kubernetes/bad.yaml"), "kind: [unclosed\n")
	must(t, os.Symlink("loop.crt", filepath.Join(root, "etc/kubernetes/loop.crt")))
	must(t, os.Symlink("/nowhere/ca.crt", filepath.Join(root, "etc/kubernetes/dangling.crt")))
	s := newSink()
	sum, err := Collect(context.Background(), Options{HostRoot: root, ProcRoot: "/proc", Now: fixedNow,
		PIDs: []int{1 << 30}, MaxFileSize: 1000}, s)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"pid 1073741824":           evidence.GapVanished,
		"/etc/kubernetes/big.yaml": evidence.GapTooLarge,
		"/etc/kubernetes/bad.yaml": evidence.GapParse,
		"/etc/kubernetes/loop.crt": evidence.GapUnreadable,
		"/etc/os-release":          evidence.GapNotFound,
	}
	for item, kind := range want {
		if got := s.gapKinds(item); len(got) != 1 || got[0] != kind {
			t.Errorf("gap for %s = %v, want [%s]", item, got, kind)
		}
	}
	if sum.Gaps != len(s.gaps) {
		t.Errorf("summary counts %d gaps, sink got %d", sum.Gaps, len(s.gaps))
	}
	big := s.file(t, "/etc/kubernetes/big.yaml")
	if big.SHA256 == "" || big.Content != nil || big.Size != 2000 {
		t.Errorf("oversized file = %+v: want metadata and sha256, no content", big)
	}
	d := s.file(t, "/etc/kubernetes/dangling.crt")
	if !d.Exists || d.Type != evidence.TypeSymlink || d.LinkTarget != "/nowhere/ca.crt" {
		t.Errorf("dangling link = %+v", d)
	}
	if l := s.file(t, "/etc/kubernetes/loop.crt"); l.Error == "" || strings.Contains(l.Error, root) {
		t.Errorf("link loop error %q: want set, naming host paths only", l.Error)
	}
}

const envPermChild = "KUBEPROOF_TEST_PERM_ROOT"

// TestPermissionDenied collects, as an unprivileged user, a host root holding a file only
// root can read. As root, it runs itself as nobody to get there.
func TestPermissionDenied(t *testing.T) {
	if root := os.Getenv(envPermChild); root != "" {
		s := newSink()
		if _, err := Collect(context.Background(), Options{HostRoot: root, Now: fixedNow, PIDs: []int{}}, s); err != nil {
			t.Fatal(err)
		}
		_ = json.NewEncoder(os.Stdout).Encode(s.gaps)
		return
	}
	root := t.TempDir()
	write(t, filepath.Join(root, "etc/kubernetes/admin.conf"), "apiVersion: v1\nkind: Config\n")
	write(t, filepath.Join(root, "etc/hostname"), "n1\n")
	must(t, os.Chmod(filepath.Join(root, "etc/kubernetes/admin.conf"), 0o600))
	must(t, os.Chmod(filepath.Join(root, "etc/kubernetes"), 0o711))
	marker := filepath.Join(root, "etc/kubernetes/manifests/kube-apiserver.yaml")
	write(t, marker, "apiVersion: v1\nkind: Pod\n")
	cmd := exec.Command(os.Args[0], "-test.run=^TestPermissionDenied$")
	cmd.Env = append(os.Environ(), envPermChild+"="+root)
	if os.Geteuid() == 0 {
		bin := filepath.Join(t.TempDir(), "node.test")
		must(t, exec.Command("cp", os.Args[0], bin).Run())
		for _, d := range []string{filepath.Dir(bin), filepath.Dir(filepath.Dir(root)), filepath.Dir(root), root} {
			must(t, os.Chmod(d, 0o755))
		}
		cmd.Path, cmd.Args[0] = bin, bin
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	line := strings.SplitN(string(out), "\n", 2)[0]
	var gaps []evidence.Gap
	if err := json.Unmarshal([]byte(line), &gaps); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	for _, g := range gaps {
		if g.Item == "/etc/kubernetes/admin.conf" && g.Kind == evidence.GapPermissionDenied && !strings.Contains(g.Reason, root) {
			return
		}
	}
	t.Errorf("no permission-denied gap for /etc/kubernetes/admin.conf naming host paths only: %+v", gaps)
}
