package scenario

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/internal/result"
)

// k3sBuiltIn are the recommendations a k3s server meets with the arguments k3s itself
// always passes to its embedded components (k3s pkg/daemons/control/server.go: apiServer,
// controllerManager, scheduler; the k3s CIS self-assessment guide lists them as passing by
// default): kube-apiserver --authorization-mode=Node,RBAC, --enable-admission-plugins=
// NodeRestriction, --kubelet-certificate-authority, --kubelet-client-certificate/-key,
// --tls-cert-file/-key, --client-ca-file, --service-account-key-file, --etcd-cafile/
// -certfile/-keyfile (embedded etcd, as on this node: server/db/etcd and server/tls/etcd
// exist), --encryption-provider-config (config.yaml has secrets-encryption: true);
// kube-controller-manager --use-service-account-credentials=true,
// --service-account-private-key-file, --root-ca-file, --bind-address=127.0.0.1;
// kube-scheduler --bind-address=127.0.0.1. None of them is on the k3s command line or in
// config.yaml, so a k3s node never shows them as flags: the k3s profile has to supply them.
var k3sBuiltIn = []string{
	"1.2.4", "1.2.5", "1.2.6", "1.2.7", "1.2.8", "1.2.14", "1.2.22", "1.2.23", "1.2.24", "1.2.25", "1.2.26", "1.2.27",
	"1.3.3", "1.3.4", "1.3.5", "1.3.7", "1.4.2",
}

// TestK3sNode: a k3s server under --profile k3s. The profile's NOT_APPLICABLE rules carry its
// reasons; the settings the operator made (k3s unit and config.yaml) decide their rules with
// source flag; the recommendations k3s meets by its built-in arguments do not FAIL.
func TestK3sNode(t *testing.T) {
	dir := t.TempDir()
	h := sharedHost("k3s")
	h.Spec = filepath.Join("testdata", "specs", "k3s.json") // every file with k3s's own mode
	b := collectNode(t, h, dir)
	rep, _ := analyze(t, filepath.Join(dir, "out"), []signedBundle{b}, "--profile", "k3s")
	checkComplete(t, rep)
	if rep.Profile != "k3s" {
		t.Errorf("profile = %q", rep.Profile)
	}
	res := byID(rep)
	for _, id := range []string{"1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "1.1.8", "1.1.12", "4.1.1", "4.1.2"} {
		if r := res[id]; r.Status != result.NotApplicable || !strings.Contains(r.Reason, "K3s") && !strings.Contains(r.Reason, "k3s") {
			t.Errorf("%s: %s %q, want NOT_APPLICABLE with the k3s profile's reason", id, r.Status, r.Reason)
		}
	}
	// Operator settings: k3s.service --kube-apiserver-arg / --kube-controller-manager-arg,
	// config.yaml kube-apiserver-arg, config.yaml.d kube-scheduler-arg.
	for id, want := range map[string]string{
		"1.2.1": result.Pass, "1.2.15": result.Pass, "1.2.16": result.Pass, "1.2.17": result.Pass, "1.3.2": result.Pass, "1.4.1": result.Pass,
		"1.2.18": result.Fail, "1.2.19": result.Fail, "1.2.30": result.Fail,
	} {
		if got := res[id].Status; got != want {
			t.Errorf("%s = %s, want %s (operator setting); targets %+v", id, got, want, res[id].Targets)
		}
	}
	wantActual(t, res["1.2.15"], "kube-apiserver", "false", result.SourceFlag)
	wantActual(t, res["1.4.1"], "kube-scheduler", "false", result.SourceFlag)
	var wrong []string
	for _, id := range k3sBuiltIn {
		if r := res[id]; r.Status == result.Fail {
			wrong = append(wrong, id+" ("+targetSummary(r)+")")
		}
	}
	if len(wrong) > 0 {
		t.Errorf("k3s meets these by the arguments it always passes, yet they FAIL under --profile k3s:\n  %s", strings.Join(wrong, "\n  "))
	}
	checkNodeTargets(t, rep, "k3s-1")
}

// targetSummary is "component actual (source)" of a rule's first target.
func targetSummary(r *result.RuleResult) string {
	if len(r.Targets) == 0 {
		return "no target"
	}
	tg := r.Targets[0]
	return tg.Component + " " + tg.Actual + " (" + tg.Source + ")"
}

// TestHostedControlPlaneWorker: a worker whose control plane runs elsewhere (EKS layout)
// under --profile hosted-control-plane. Chapters 1 and 2 are NOT_APPLICABLE with the
// profile's reason — except the CNI file checks 1.1.9 and 1.1.10, which the profile keeps on
// purpose (rules/profiles/hosted-control-plane.yaml: the CNI plugin writes its files on
// every worker) and which are judged here; the kubelet's rules (section 4) are judged on the
// evidence.
func TestHostedControlPlaneWorker(t *testing.T) {
	dir := t.TempDir()
	b := collectNode(t, sharedHost("eks-worker"), dir)
	rep, _ := analyze(t, filepath.Join(dir, "out"), []signedBundle{b}, "--profile", "hosted-control-plane")
	checkComplete(t, rep)
	for _, r := range rep.Results {
		if !inSections(r.RuleID, []string{"1.", "2."}) {
			continue
		}
		if r.RuleID == "1.1.9" || r.RuleID == "1.1.10" {
			if r.Status != result.Pass && r.Status != result.Fail {
				t.Errorf("%s (CNI files on the worker) = %s, want it judged", r.RuleID, r.Status)
			}
			continue
		}
		if r.Status != result.NotApplicable || !strings.Contains(strings.ToLower(r.Reason), "control plane") && !strings.Contains(r.Reason, "etcd") {
			t.Errorf("%s: %s %q, want NOT_APPLICABLE because the control plane is hosted", r.RuleID, r.Status, firstLine(r.Reason))
		}
	}
	// Section 4 is judged on this node's kubelet: its automated rules PASS or FAIL.
	var undecided []string
	for _, r := range rep.Results {
		if strings.HasPrefix(r.RuleID, "4.") && r.Assessment == "Automated" && r.RuleID != "4.3.1" &&
			r.Status != result.Pass && r.Status != result.Fail {
			undecided = append(undecided, r.RuleID+"="+r.Status+" "+firstLine(r.Reason))
		}
	}
	if len(undecided) > 0 {
		t.Errorf("automated kubelet rules not judged on the worker:\n  %s", strings.Join(undecided, "\n  "))
	}
	res := byID(rep)
	for id, want := range map[string]string{
		"4.1.1":  result.Fail, // kubelet.service 0644
		"4.1.5":  result.Fail, // /var/lib/kubelet/kubeconfig 0644
		"4.1.9":  result.Fail, // kubelet-config.json 0644
		"4.2.1":  result.Pass, // authentication.anonymous.enabled: false
		"4.2.2":  result.Pass, // authorization.mode: Webhook
		"4.2.3":  result.Pass, // clientCAFile set
		"4.2.12": result.Pass, // two GCM suites only
		// clientCAFile "../pki/ca.crt" is relative to the config file's directory:
		// /etc/kubernetes/pki/ca.crt, 0644 root:root, collected with the role
		// kubelet.config-field:authentication.x509.clientCAFile.
		"4.1.7": result.Pass,
		"4.1.8": result.Pass,
		"4.3.1": result.NotApplicable, // no kube-proxy process on this worker
	} {
		if got := res[id].Status; got != want {
			t.Errorf("%s = %s, want %s; reason %q; targets %+v", id, got, want, res[id].Reason, res[id].Targets)
		}
	}
	if n := slices.IndexFunc(rep.Nodes, func(n result.Node) bool { return n.Name == "ip-10-0-1-23.ec2.internal" || n.Name == "ip-10-0-1-23" }); n < 0 {
		t.Errorf("worker node missing from report nodes: %+v", rep.Nodes)
	}
}
