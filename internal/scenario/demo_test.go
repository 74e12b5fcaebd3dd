package scenario

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/internal/result"
)

// demoCluster is the committed cluster bundle of `make demo` (hack/demo-cluster.sh).
func demoCluster() signedBundle {
	p := filepath.Join(repoRoot, "testdata", "demo", "cluster.tar.zst")
	return signedBundle{Path: p, Pub: p + ".pub"}
}

// TestDemoAssessment: the demo's assessment — two simulated kubeadm nodes and the committed
// cluster bundle of a real API server — is one verified assessment: the cluster's Node
// objects are matched to the node bundles, the uncovered node is reported, node-level and
// object-level findings both appear, and report.json is byte-identical across two runs.
func TestDemoAssessment(t *testing.T) {
	dir := t.TempDir()
	bundles := []signedBundle{
		collectNode(t, scenarioHost("kubeadm-default"), dir),
		collectNode(t, scenarioHost("worker-1"), dir),
		demoCluster(),
	}
	rep, first := analyze(t, filepath.Join(dir, "out1"), bundles)
	checkComplete(t, rep)
	if rep.Cluster.Name != "demo" || rep.Cluster.KubeSystemUID == "" {
		t.Errorf("cluster = %+v, want the demo cluster's identity", rep.Cluster)
	}
	for _, n := range []string{"cp-1", "worker-1"} {
		if !slices.ContainsFunc(rep.Nodes, func(x result.Node) bool { return x.Name == n && x.InCluster && x.Bundle != "" }) {
			t.Errorf("node %s is not both a cluster Node and covered by its bundle: %+v", n, rep.Nodes)
		}
	}
	if !slices.ContainsFunc(rep.Nodes, func(x result.Node) bool { return x.Name == "worker-2" && x.InCluster && x.Bundle == "" }) ||
		!slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "worker-2") }) {
		t.Errorf("worker-2 (no node bundle) not reported: nodes %+v warnings %q", rep.Nodes, rep.Warnings)
	}
	if len(rep.Bundles) != 3 || slices.ContainsFunc(rep.Bundles, func(b result.Bundle) bool { return !b.Verified || !strings.HasPrefix(b.Signer, "SHA256:") }) {
		t.Errorf("bundles not all verified with a signer: %+v", rep.Bundles)
	}
	res := byID(rep)
	if r := res["1.2.15"]; r.Status != result.Fail || r.Counts[result.Fail] != 1 {
		t.Errorf("1.2.15 = %s %v, want FAIL on the one control-plane node", r.Status, r.Counts)
	}
	if r := res["4.2.13"]; r.Status != result.Fail || r.Counts[result.Fail] != 2 {
		t.Errorf("4.2.13 = %s %v, want FAIL on both nodes", r.Status, r.Counts)
	}
	for _, w := range []objectFinding{
		{"5.2.2", "Pod", "shop", "debug-shell"},
		{"5.2.3", "Pod", "monitoring", "node-exporter-8xk2q"},
		{"5.1.3", "ClusterRole", "", "ci-deployer"},
		{"5.1.2", "RoleBinding", "shop", "everyone-reads-secrets"},
		{"5.3.2", "Namespace", "", "shop"},
		{"5.4.1", "Pod", "shop", "storefront-7d9c5b-x2k4p"},
	} {
		if r := res[w.rule]; !hasTarget(r, result.Fail, w.kind, w.namespace, w.name) {
			t.Errorf("%s = %s does not name %s %s/%s as failing: %s", w.rule, r.Status, w.kind, w.namespace, w.name, objectList(r))
		}
	}
	if r := res["5.3.2"]; hasTarget(r, result.Fail, "Namespace", "", "payments") {
		t.Errorf("5.3.2 names payments (default-deny NetworkPolicy) as failing")
	}
	_, second := analyze(t, filepath.Join(dir, "out2"), bundles)
	if !bytes.Equal(first, second) {
		t.Errorf("report.json differs between two runs on the same bundles%s", firstDiff(first, second))
	}
}

// TestDemoScript runs hack/demo.sh (what `make demo` runs after `make build`) with the
// binaries built here, and checks that it writes the three reports and says where they are.
func TestDemoScript(t *testing.T) {
	for _, tool := range []string{"jq", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found; CI installs it", tool)
			}
			t.Skipf("%s not found", tool)
		}
	}
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(repoRoot, "hack", "demo.sh"))
	cmd.Env = append(os.Environ(), "BIN="+binDir, "OUT="+out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("hack/demo.sh: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	for _, f := range []string{"report.json", "report.xlsx", "report.pdf"} {
		p := filepath.Join(out, f)
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
		if !strings.Contains(stdout.String(), p) {
			t.Errorf("the demo does not say where %s is:\n%s", f, stdout.String())
		}
	}
	for _, want := range []string{"cp-1.tar.zst: OK", "worker-1.tar.zst: OK", "cluster.tar.zst: OK", "worker-2 (no node bundle)", "Pod shop/debug-shell"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout.String())
		}
	}
	if stderr.Len() > 0 {
		t.Logf("demo stderr:\n%s", stderr.String())
	}
}
