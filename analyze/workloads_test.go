package analyze

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/kubeproof/kubeproof/analyze/gen"
	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/rules"
)

// TestWorkloadTemplatesJudged: the built-in pod security rules judge the pod templates of
// workloads that run no pod (a Deployment scaled to 0, a CronJob between runs) through
// `podSpec`, and the count sentence does not call mixed kinds "pod objects".
func TestWorkloadTemplatesJudged(t *testing.T) {
	priv := map[string]any{"containers": []any{map[string]any{"name": "c", "securityContext": map[string]any{"privileged": true}}}}
	plain := map[string]any{"containers": []any{map[string]any{"name": "c"}}}
	tmpl := func(spec map[string]any) map[string]any {
		return map[string]any{"template": map[string]any{"spec": spec}}
	}
	o := func(kind, name string, spec map[string]any) any {
		return map[string]any{"kind": kind, "metadata": map[string]any{"name": name, "namespace": "a"}, "spec": spec}
	}
	res := func(group, plural, kind string, objs ...any) gen.Resource {
		if objs == nil {
			objs = []any{}
		}
		return gen.Resource{Group: group, Version: "v1", Resource: plural, Kind: kind, Namespaced: kind != "Namespace", Objects: objs}
	}
	cl := &gen.Cluster{Name: "w", UID: "uid-w", ServerVersion: "v1.33.2", Resources: []gen.Resource{
		res("", "namespaces", "Namespace", map[string]any{"kind": "Namespace", "metadata": map[string]any{"name": "a",
			"labels": map[string]any{"pod-security.kubernetes.io/enforce": "baseline"}}}),
		res("", "pods", "Pod", o("Pod", "p", plain)),
		res("apps", "deployments", "Deployment", o("Deployment", "scaled-down", map[string]any{"replicas": int64(0), "template": map[string]any{"spec": priv}}),
			o("Deployment", "fine", tmpl(plain))),
		res("apps", "daemonsets", "DaemonSet"), res("apps", "statefulsets", "StatefulSet"), res("apps", "replicasets", "ReplicaSet"),
		res("batch", "jobs", "Job"),
		res("batch", "cronjobs", "CronJob", o("CronJob", "nightly", map[string]any{"schedule": "0 1 * * *", "jobTemplate": map[string]any{"spec": tmpl(priv)}})),
	}}
	rep := analyzeBuiltin(t, cl)
	r := find(t, rep, "5.2.2")
	got := map[string]string{}
	for _, tg := range r.Targets {
		got[tg.Object.Kind+"/"+tg.Object.Name] = tg.Status
	}
	if len(got) != 2 || got["Deployment/scaled-down"] != result.Fail || got["CronJob/nightly"] != result.Fail {
		t.Errorf("5.2.2 targets %v, want the scaled-down Deployment and the CronJob to FAIL", got)
	}
	if want := "FAIL on 2 of 5 objects (3 PASS)"; r.CountSummary != want {
		t.Errorf("5.2.2 count %q, want %q", r.CountSummary, want)
	}
	if want := []string{"CronJob", "Deployment", "Namespace", "Pod"}; len(r.ObjectKinds) != len(want) || r.ObjectKinds[0] != want[0] || r.ObjectKinds[3] != want[3] {
		t.Errorf("5.2.2 object kinds %v, want %v", r.ObjectKinds, want)
	}
}

// analyzeBuiltin writes cl as a signed cluster bundle and analyzes it with the built-in rules.
func analyzeBuiltin(t *testing.T, cl *gen.Cluster) *result.Report {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cluster.tar.zst")
	s := gen.Key(1)
	if err := gen.WriteFile(p, func(w io.Writer) error { return cl.Write(w, s) }); err != nil {
		t.Fatal(err)
	}
	set, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(Options{Bundles: []string{p}, Trusted: gen.Trusted(s), Rules: set})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
