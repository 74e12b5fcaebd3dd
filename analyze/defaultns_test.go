package analyze

import (
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/analyze/gen"
	"github.com/kubeproof/kubeproof/internal/result"
)

// TestDefaultNamespace checks CIS 5.6.4 over metadata-only Services, Ingresses and
// ConfigMaps (as the collector lists them), and that an incomplete or absent resource
// leaves the rule undecided rather than passing on absence.
func TestDefaultNamespace(t *testing.T) {
	meta := func(apiVersion, kind, ns, name string) any {
		return map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name, "namespace": ns, "uid": ns + "/" + name}}
	}
	builtin := meta("v1", "Service", "default", "kubernetes")
	cases := []struct {
		name     string
		services []any
		drop     string // resource left out of the bundle
		partial  string // resource recorded incomplete
		want     string
		reason   string
	}{
		{name: "service in default", services: []any{builtin, meta("v1", "Service", "default", "web")}, want: result.Fail},
		{name: "only built-ins in default", services: []any{builtin, meta("v1", "Service", "shop", "web")}, want: result.Pass},
		{name: "configmaps not listed", services: []any{builtin}, partial: "configmaps", want: result.NoEvidence, reason: "configmaps are incomplete"},
		{name: "old bundle without services", drop: "services", want: result.NoEvidence, reason: "services were not collected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := []gen.Resource{}
			add := func(group, plural, kind string, objs ...any) {
				if plural == c.drop {
					return
				}
				if objs == nil {
					objs = []any{}
				}
				rs = append(rs, gen.Resource{Group: group, Version: "v1", Resource: plural, Kind: kind, Namespaced: true,
					Objects: objs, Incomplete: plural == c.partial})
			}
			add("", "services", "Service", c.services...)
			add("networking.k8s.io", "ingresses", "Ingress", meta("networking.k8s.io/v1", "Ingress", "shop", "web"))
			add("", "configmaps", "ConfigMap", meta("v1", "ConfigMap", "default", "kube-root-ca.crt"), meta("v1", "ConfigMap", "shop", "app"))
			add("", "serviceaccounts", "ServiceAccount", meta("v1", "ServiceAccount", "default", "default"))
			for _, k := range [][3]string{{"", "pods", "Pod"}, {"apps", "deployments", "Deployment"}, {"apps", "replicasets", "ReplicaSet"},
				{"apps", "statefulsets", "StatefulSet"}, {"apps", "daemonsets", "DaemonSet"}, {"batch", "jobs", "Job"}, {"batch", "cronjobs", "CronJob"},
				{"", "secrets", "Secret"}, {"rbac.authorization.k8s.io", "roles", "Role"}, {"rbac.authorization.k8s.io", "rolebindings", "RoleBinding"}} {
				add(k[0], k[1], k[2])
			}
			cl := &gen.Cluster{Name: "d", UID: "uid-d", ServerVersion: "v1.33.2", Resources: rs}
			rep := analyzeBuiltin(t, cl)
			r := find(t, rep, "5.6.4")
			if r.Status != c.want {
				t.Fatalf("5.6.4 = %s, want %s (%+v)", r.Status, c.want, r.Targets)
			}
			if c.want == result.Fail && (len(r.Targets) == 0 || !strings.Contains(failing(r), "Service default/web")) {
				t.Errorf("failing targets %q, want Service default/web", failing(r))
			}
			if c.reason != "" && !strings.Contains(failing(r)+r.Reason, c.reason) {
				t.Errorf("reason %q, want it to mention %q", r.Reason, c.reason)
			}
		})
	}
}

// failing joins the messages and reasons of r's targets.
func failing(r *result.RuleResult) string {
	var b strings.Builder
	for _, tg := range r.Targets {
		b.WriteString(tg.Message + " " + tg.Reason + ";")
	}
	return b.String()
}
