package scenario

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubeproof/kubeproof/internal/fakeproc"
)

// TestDemoLayoutsConsistent: in the layouts made for the scenarios and the demo, each
// running control-plane process has exactly the command of its static pod manifest (the
// kubelet runs what the manifest says), and every file the spec names exists in the tree.
func TestDemoLayoutsConsistent(t *testing.T) {
	for _, name := range []string{"kubeadm-default", "kubeadm-hardened", "worker-1"} {
		h := scenarioHost(name)
		spec, err := fakeproc.LoadSpec(h.Spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range spec.Files {
			if _, err := os.Lstat(filepath.Join(h.Tree, f.Path)); err != nil {
				t.Errorf("%s: spec names %s: %v", name, f.Path, err)
			}
		}
		manifests, _ := filepath.Glob(filepath.Join(h.Tree, "etc", "kubernetes", "manifests", "*.yaml"))
		for _, m := range manifests {
			data, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			var pod corev1.Pod
			if err := yaml.UnmarshalStrict(data, &pod); err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			cmd := pod.Spec.Containers[0].Command
			i := slices.IndexFunc(spec.Processes, func(p fakeproc.Proc) bool { return p.Argv[0] == cmd[0] })
			if i < 0 {
				t.Errorf("%s: no running process for %s", name, m)
				continue
			}
			if got := spec.Processes[i].Argv; !slices.Equal(got, cmd) {
				t.Errorf("%s: process %s argv differs from %s:\n got  %q\n want %q", name, cmd[0], m, got, cmd)
			}
		}
	}
}
