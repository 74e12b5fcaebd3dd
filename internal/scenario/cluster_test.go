package scenario

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubeproof/kubeproof/internal/kubetest"
	"github.com/kubeproof/kubeproof/internal/kubetest/fixtures"
	"github.com/kubeproof/kubeproof/internal/result"
)

// collectCluster collects the test API server with `kubeproof-collect cluster` and no --key.
func collectCluster(t *testing.T, outDir string) signedBundle {
	t.Helper()
	out := filepath.Join(outDir, "cluster.tar.zst")
	r := mustRun(t, "kubeproof-collect", "cluster", "--kubeconfig", kubetest.KubeconfigPath(t), "-q", "-o", out)
	if !strings.Contains(r.Stderr, "one-time key") {
		t.Errorf("collector did not say it used a one-time key:\n%s", r.Stderr)
	}
	return signedBundle{Path: out, Pub: out + ".pub"}
}

// objectFinding is one expected section-5 finding: the rule, and the object that must be
// named among its failing targets.
type objectFinding struct {
	rule, kind, namespace, name string
}

// TestClusterScenario seeds the real test API server (make kube-up) with insecure and
// hardened objects in fresh namespaces, collects it, analyses the cluster bundle, and
// expects each section-5 finding with the offending object named — and the hardened
// objects named nowhere.
func TestClusterScenario(t *testing.T) {
	cfg := kubetest.Config(t)
	prefix := kubetest.NamespaceName("scn") // fresh names for every run: kp-scn-<random>
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	set, err := fixtures.Realistic(ctx, cfg, prefix)
	if err != nil {
		t.Fatalf("seed the test API server: %v", err)
	}
	dir := t.TempDir()
	b := collectCluster(t, dir)
	if tarHas(t, b.Path, set.Planted) {
		t.Errorf("the planted Secret value is in the cluster bundle")
	}
	rep, _ := analyze(t, filepath.Join(dir, "out"), []signedBundle{b})
	checkComplete(t, rep)

	open := set.Open
	want := []objectFinding{
		// Binds cluster-admin to the default ServiceAccount of a workload namespace (every pod
		// there that names no account runs as cluster-admin) and to a user: not "only where
		// required" by construction, so the evidence decides this manual recommendation.
		{"5.1.1", "ClusterRoleBinding", "", set.AdminBinding},
		{"5.1.2", "RoleBinding", open, "default-secret-reader"}, // secrets get/list/watch for system:authenticated
		{"5.1.3", "ClusterRole", "", set.WildcardClusterRole},   // * / * / *
		{"5.1.3", "Role", open, "secret-reader"},                // pods: verbs *
		{"5.1.4", "RoleBinding", open, "default-secret-reader"}, // pods create for system:authenticated
		{"5.1.5", "ServiceAccount", open, "default"},            // token automounted, bound to cluster-admin
		{"5.2.2", "Pod", open, "privileged"},                    // privileged: true
		{"5.2.3", "Pod", open, "hostns"},                        // hostPID
		{"5.2.4", "Pod", open, "hostns"},                        // hostIPC
		{"5.2.5", "Pod", open, "hostns"},                        // hostNetwork
		{"5.2.6", "Pod", open, "privileged"},                    // privileged implies privilege escalation
		{"5.2.8", "Pod", open, "privileged"},                    // adds NET_RAW
		{"5.2.9", "Pod", open, "privileged"},                    // adds SYS_ADMIN, NET_RAW
		{"5.2.11", "Pod", open, "hostpath"},                     // hostPath /
		{"5.2.12", "Pod", open, "hostns"},                       // hostNetwork: container ports are host ports
		{"5.3.2", "Namespace", "", open},                        // no NetworkPolicy
		{"5.4.1", "Pod", open, "env-secret"},                    // secretKeyRef in env
	}
	res := byID(rep)
	if os.Getenv("SCENARIO_DEBUG") != "" {
		for _, r := range rep.Results {
			if strings.HasPrefix(r.RuleID, "5.") {
				t.Logf("%s %s %s:%s", r.RuleID, r.Status, firstLine(r.Reason), objectList(&r))
			}
		}
	}
	for _, w := range want {
		r := res[w.rule]
		if r == nil {
			t.Errorf("rule %s missing", w.rule)
			continue
		}
		if r.Status != result.Fail {
			t.Errorf("%s = %s (%s), want FAIL naming %s %s/%s", w.rule, r.Status, firstLine(r.Reason), w.kind, w.namespace, w.name)
			continue
		}
		if !hasTarget(r, result.Fail, w.kind, w.namespace, w.name) {
			t.Errorf("%s FAILs but does not name %s %s/%s among its failing targets: %s", w.rule, w.kind, w.namespace, w.name, objectList(r))
		}
	}
	// The hardened pod and the namespace with PSA labels and a default-deny policy are
	// never failing targets.
	for _, r := range rep.Results {
		for _, tg := range r.Targets {
			if tg.Object == nil || tg.Status != result.Fail {
				continue
			}
			if tg.Object.Namespace == set.Secure && tg.Object.Name == "hardened" ||
				tg.Object.Kind == "Namespace" && tg.Object.Name == set.Secure && slices.Contains([]string{"5.3.2", "5.2.1"}, r.RuleID) {
				t.Errorf("%s names the hardened object %s %s/%s as failing: %s", r.RuleID, tg.Object.Kind, tg.Object.Namespace, tg.Object.Name, tg.Message)
			}
		}
	}
	// The cluster bundle's identity and nodes reach the report.
	if rep.Cluster.KubeSystemUID == "" || rep.Cluster.ServerVersion == "" {
		t.Errorf("cluster identity missing: %+v", rep.Cluster)
	}
	if !slices.ContainsFunc(rep.Nodes, func(n result.Node) bool { return n.Name == set.Node && n.InCluster && n.Bundle == "" }) {
		t.Errorf("node %s (a Node object, no node bundle) not listed as in-cluster and uncovered: %+v", set.Node, rep.Nodes)
	}
	// Node-level chapters have no evidence in a cluster-only assessment.
	for _, id := range []string{"1.2.1", "2.1", "4.2.1"} {
		if st := res[id].Status; st != result.NoEvidence {
			t.Errorf("%s = %s in a cluster-only assessment, want NO_EVIDENCE", id, st)
		}
	}
}

// hasTarget reports whether r has a target with the status naming the object.
func hasTarget(r *result.RuleResult, status, kind, namespace, name string) bool {
	return slices.ContainsFunc(r.Targets, func(tg result.Target) bool {
		o := tg.Object
		return tg.Status == status && o != nil && o.Kind == kind && o.Namespace == namespace && o.Name == name
	})
}

// objectList renders a rule's object targets for a failure message.
func objectList(r *result.RuleResult) string {
	var b strings.Builder
	for i, tg := range r.Targets {
		if i == 12 {
			fmt.Fprintf(&b, " … (%d targets)", len(r.Targets))
			break
		}
		if tg.Object != nil {
			fmt.Fprintf(&b, " %s:%s %s/%s", tg.Status, tg.Object.Kind, tg.Object.Namespace, tg.Object.Name)
		}
	}
	return b.String()
}

// tarHas reports whether the decompressed bundle contains s anywhere.
func tarHas(t *testing.T, bundlePath, s string) bool {
	t.Helper()
	f, err := os.Open(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("zstd", "-dc")
	cmd.Stdin = f
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("zstd not available to inspect the bundle: %v", err)
	}
	return bytes.Contains(out, []byte(s))
}
