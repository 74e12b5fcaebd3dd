package scenario

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/internal/result"
)

// kubeadmDefaultFailures are the recommendations that FAIL on a control-plane node exactly
// as `kubeadm init` (v1.33) leaves it, judged on node evidence only. The list is the rules
// engineer's (rules/cis_kubeadm_test.go), checked against Kubernetes facts:
var kubeadmDefaultFailures = []string{
	// Automated.
	"1.1.12", // kubeadm creates /var/lib/etcd owned by root:root, not etcd:etcd
	"1.2.5",  // kubeadm does not set --kubelet-certificate-authority
	"1.2.15", // --profiling defaults to true (kube-apiserver)
	"1.2.16", // no --audit-log-path: auditing is off
	"1.2.17", // --audit-log-maxage unset (0: no age limit)
	"1.2.18", // --audit-log-maxbackup unset (0: keep all)
	"1.2.19", // --audit-log-maxsize unset (0: no size limit)
	"1.2.30", // --service-account-extend-token-expiration defaults to true
	"1.3.2",  // --profiling defaults to true (kube-controller-manager)
	"1.4.1",  // --profiling defaults to true (kube-scheduler)
	"4.1.1",  // the kubelet package's 10-kubeadm.conf drop-in is 0644
	"4.1.9",  // kubeadm writes /var/lib/kubelet/config.yaml 0644
	// Manual recommendations that the evidence decides.
	"1.2.1",  // --anonymous-auth defaults to true
	"1.2.3",  // DenyServiceExternalIPs is not enabled (kubeadm enables NodeRestriction only)
	"1.2.9",  // EventRateLimit is not enabled
	"1.2.11", // AlwaysPullImages is not enabled
	"1.2.27", // no --encryption-provider-config: Secrets are stored unencrypted in etcd
	"1.2.29", // no --tls-cipher-suites: Go's defaults include CBC suites
	"3.2.1",  // no --audit-policy-file
	"4.2.9",  // no tlsCertFile/tlsPrivateKeyFile: the kubelet serves a self-signed certificate
	"4.2.12", // no tlsCipherSuites in the kubelet configuration
	"4.2.13", // podPidsLimit defaults to -1 (unlimited)
	"4.2.14", // seccompDefault defaults to false
}

// TestKubeadmDefaultNode: a default kubeadm control-plane node fails exactly the known
// recommendations, and no node-level rule is left without evidence or in error.
func TestKubeadmDefaultNode(t *testing.T) {
	dir := t.TempDir()
	b := collectNode(t, scenarioHost("kubeadm-default"), dir)
	if tarHas(t, b.Path, "PLANTED") { // client-key-data and private keys planted in the layout
		t.Errorf("a planted secret of the layout is in the node bundle")
	}
	rep, _ := analyze(t, filepath.Join(dir, "out"), []signedBundle{b})
	checkComplete(t, rep)
	got := idsWith(rep, result.Fail)
	want := slices.Clone(kubeadmDefaultFailures)
	sortIDs(want)
	if !slices.Equal(got, want) {
		t.Errorf("FAIL on the default kubeadm node:\n got  %s\n want %s\n missing %s\n extra   %s\nnode-level statuses:\n%s",
			strings.Join(got, " "), strings.Join(want, " "), strings.Join(minus(want, got), " "), strings.Join(minus(got, want), " "),
			statusTable(rep, nodeSections...))
	}
	checkNodeTargets(t, rep, "cp-1")
}

// TestKubeadmHardenedNode: after the remediations of every automated failure, every
// automated node-level recommendation PASSes.
func TestKubeadmHardenedNode(t *testing.T) {
	dir := t.TempDir()
	b := collectNode(t, scenarioHost("kubeadm-hardened"), dir)
	rep, _ := analyze(t, filepath.Join(dir, "out"), []signedBundle{b})
	checkComplete(t, rep)
	var bad []string
	for _, r := range rep.Results {
		if r.Assessment == "Automated" && inSections(r.RuleID, nodeSections) && r.Status != result.Pass {
			bad = append(bad, r.RuleID+"="+r.Status)
		}
	}
	if len(bad) > 0 {
		t.Errorf("automated node-level rules that do not PASS on the hardened node: %s\n%s", strings.Join(bad, " "), statusTable(rep, nodeSections...))
	}
	// The remediated values are what decided the verdicts, with their sources.
	res := byID(rep)
	wantActual(t, res["1.2.15"], "kube-apiserver", "false", result.SourceFlag)
	wantActual(t, res["1.2.30"], "kube-apiserver", "false", result.SourceFlag)
	checkNodeTargets(t, rep, "cp-1")
}

func inSections(id string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(id, p) })
}

// wantActual asserts that rule r has a target for the component whose actual value and
// source are the given ones.
func wantActual(t *testing.T, r *result.RuleResult, component, actual, source string) {
	t.Helper()
	if r == nil {
		t.Errorf("rule missing from the report")
		return
	}
	for _, tg := range r.Targets {
		if tg.Component == component && strings.Contains(tg.Actual, actual) && tg.Source == source {
			return
		}
	}
	t.Errorf("rule %s: no %s target with actual %q from %s; targets: %+v", r.RuleID, component, actual, source, r.Targets)
}

// checkNodeTargets asserts that every decided node-level target names the node and rests
// on evidence from the bundle (member + sha256).
func checkNodeTargets(t *testing.T, rep *result.Report, node string) {
	t.Helper()
	for _, r := range rep.Results {
		if !inSections(r.RuleID, nodeSections) {
			continue
		}
		for _, tg := range r.Targets {
			if tg.Status != result.Pass && tg.Status != result.Fail {
				continue
			}
			if tg.Node != node {
				t.Errorf("rule %s: target on node %q, want %q", r.RuleID, tg.Node, node)
			}
			if len(tg.Evidence) == 0 {
				t.Errorf("rule %s: %s target (%s %s) has no evidence reference", r.RuleID, tg.Status, tg.Component, tg.File)
			}
			for _, ev := range tg.Evidence {
				if ev.Member == "" || len(ev.SHA256) != 64 {
					t.Errorf("rule %s: evidence reference %+v lacks member or sha256", r.RuleID, ev)
				}
			}
		}
	}
}

// minus returns the elements of a not in b.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// sortIDs sorts recommendation ids numerically, part by part ("1.2.9" < "1.2.10").
func sortIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		pa, pb := strings.Split(a, "."), strings.Split(b, ".")
		for i := 0; i < len(pa) && i < len(pb); i++ {
			if c := compareNum(pa[i], pb[i]); c != 0 {
				return c
			}
		}
		return len(pa) - len(pb)
	})
}

func compareNum(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
