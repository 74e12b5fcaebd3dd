package cluster_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kubeproof/kubeproof/collect/cluster"
	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/kubetest"
	"github.com/kubeproof/kubeproof/internal/kubetest/fixtures"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

func seed(t *testing.T, cfg *rest.Config) *fixtures.Set {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	set, err := fixtures.Realistic(ctx, cfg, kubetest.NamespaceName(t.Name()))
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return set
}

func collect(t *testing.T, o cluster.Options) (*memSink, *cluster.Result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := cluster.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Identify(ctx); err != nil {
		t.Fatal(err)
	}
	s := newMemSink()
	res, err := c.Collect(ctx, s)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	if s.open {
		t.Fatal("a member was left open")
	}
	return s, res
}

// TestCollectAsAdmin seeds realistic objects and checks what the evidence holds.
func TestCollectAsAdmin(t *testing.T) {
	cfg := kubetest.Config(t)
	set := seed(t, cfg)
	seedNetwork(t, cfg, set.Open)
	s, res := collect(t, cluster.Options{Config: cfg, Context: "kube-test"})

	if len(res.Gaps) != 0 || len(s.gaps) != 0 {
		t.Errorf("admin collection has gaps: %+v", res.Gaps)
	}
	checkInfo(t, cfg, s, "kube-test")
	checkInventory(t, s, res)
	checkWorkloads(t, s, set)
	checkRBACAndNetwork(t, s, set)
	checkSecrets(t, s, set)
	checkClusterScoped(t, s, set)
	checkMetaOnlyKinds(t, s, set.Open)
	checkSanitized(t, s, set)
}

// seedNetwork adds a Service, an Ingress and a ConfigMap (each with a value that must not
// be collected) to namespace ns.
func seedNetwork(t *testing.T, cfg *rest.Config, ns string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := kubernetes.NewForConfigOrDie(cfg)
	meta := metav1.ObjectMeta{Name: "web", Namespace: ns, Labels: map[string]string{"app": "web"}}
	svc := &corev1.Service{ObjectMeta: meta, Spec: corev1.ServiceSpec{
		Ports: []corev1.ServicePort{{Name: "http", Port: 8080}}, Selector: map[string]string{"app": "web"}}}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create service: %v", err)
	}
	pt := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{ObjectMeta: meta, Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
		Host: "web.example.com", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &pt, Backend: networkingv1.IngressBackend{
				Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 8080}}}}}}}}}}}
	if _, err := cs.NetworkingV1().Ingresses(ns).Create(ctx, ing, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create ingress: %v", err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{"app.conf": "user-configmap-value"}}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create configmap: %v", err)
	}
}

// checkMetaOnlyKinds: Services, Ingresses and ConfigMaps other than the component ones are
// listed across all namespaces, metadata only, each object once.
func checkMetaOnlyKinds(t *testing.T, s *memSink, ns string) {
	for dir, kind := range map[string]string{"core/v1/services": "Service",
		"networking.k8s.io/v1/ingresses": "Ingress", "core/v1/configmaps": "ConfigMap"} {
		objs := s.objects(t, dir)
		o, ok := byName(objs)[ns+"/web"]
		if !ok {
			t.Errorf("%s %s/web not collected", dir, ns)
			continue
		}
		if len(o) != 3 || get(o, "kind") != kind || get(o, "apiVersion") == nil || get(o, "metadata", "labels", "app") != "web" {
			t.Errorf("%s %s/web: want apiVersion, kind (%s), metadata only; got %v", dir, ns, kind, o)
		}
		uids := map[any]bool{}
		for _, x := range objs {
			if u := get(x, "metadata", "uid"); uids[u] {
				t.Errorf("%s: object uid %v written twice", dir, u)
			} else {
				uids[u] = true
			}
		}
	}
	if _, ok := byName(s.objects(t, "core/v1/services"))["default/kubernetes"]; !ok {
		t.Error("service default/kubernetes not collected")
	}
	if bytes.Contains(s.all(), []byte("user-configmap-value")) {
		t.Error("a user ConfigMap's data was collected")
	}
}

func checkInfo(t *testing.T, cfg *rest.Config, s *memSink, wantContext string) {
	var info evidence.ClusterInfo
	if err := json.Unmarshal(s.members[evidence.PathClusterInfo], &info); err != nil {
		t.Fatalf("%s: %v", evidence.PathClusterInfo, err)
	}
	ks, err := kubetest.Clientset(t, cfg).CoreV1().Namespaces().Get(context.Background(), "kube-system", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.KubeSystemUID == "" || info.KubeSystemUID != string(ks.UID) {
		t.Errorf("kube_system_uid = %q, want %q", info.KubeSystemUID, ks.UID)
	}
	if !strings.HasPrefix(info.ServerVersion, "v1.") || info.Host != cfg.Host || info.Context != wantContext || info.CollectedAt == "" {
		t.Errorf("info = %+v", info)
	}
}

func checkInventory(t *testing.T, s *memSink, res *cluster.Result) {
	rs := s.resources(t)
	want := []string{"core/namespaces", "core/nodes", "core/pods", "core/serviceaccounts", "core/secrets", "core/services", "core/configmaps",
		"apps/deployments", "apps/daemonsets", "apps/statefulsets", "apps/replicasets", "batch/jobs", "batch/cronjobs",
		"rbac.authorization.k8s.io/roles", "rbac.authorization.k8s.io/rolebindings",
		"rbac.authorization.k8s.io/clusterroles", "rbac.authorization.k8s.io/clusterrolebindings",
		"networking.k8s.io/networkpolicies", "networking.k8s.io/ingresses",
		"admissionregistration.k8s.io/validatingwebhookconfigurations", "admissionregistration.k8s.io/mutatingwebhookconfigurations",
		"admissionregistration.k8s.io/validatingadmissionpolicies", "admissionregistration.k8s.io/validatingadmissionpolicybindings",
		"apiextensions.k8s.io/customresourcedefinitions"}
	total := 0
	for _, k := range want {
		r, ok := rs[k]
		if !ok || !r.Served || !r.Complete || r.Version == "" || r.Kind == "" {
			t.Errorf("resource %s: %+v (present %v), want served and complete", k, r, ok)
		}
		if len(r.Members) == 0 && k != "admissionregistration.k8s.io/mutatingwebhookconfigurations" {
			t.Errorf("resource %s: no members", k)
		}
		total += r.Count
	}
	if psp, ok := rs["policy/podsecuritypolicies"]; !ok || psp.Served || len(psp.Members) != 0 {
		t.Errorf("podsecuritypolicies = %+v, want recorded as not served", psp)
	}
	if !rs["core/secrets"].MetaOnly || !rs["core/services"].MetaOnly || !rs["networking.k8s.io/ingresses"].MetaOnly || rs["core/configmaps"].MetaOnly || !rs["apiextensions.k8s.io/customresourcedefinitions"].MetaOnly || rs["core/pods"].MetaOnly {
		t.Error("meta_only flags wrong")
	}
	if res.Objects < total {
		t.Errorf("result counts %d objects, inventory %d", res.Objects, total)
	}
}

func checkWorkloads(t *testing.T, s *memSink, set *fixtures.Set) {
	pods := byName(s.objects(t, "core/v1/pods"))
	priv := pods[set.Open+"/privileged"]
	if get(priv, "apiVersion") != "v1" || get(priv, "kind") != "Pod" {
		t.Errorf("privileged pod apiVersion/kind = %v/%v", get(priv, "apiVersion"), get(priv, "kind"))
	}
	if get(priv, "spec", "containers", 0, "securityContext", "privileged") != true {
		t.Errorf("privileged pod lost its securityContext: %v", get(priv, "spec"))
	}
	hn := pods[set.Open+"/hostns"]
	if get(hn, "spec", "hostPID") != true || get(hn, "spec", "hostNetwork") != true || get(hn, "spec", "hostIPC") != true {
		t.Errorf("hostns pod: %v", get(hn, "spec"))
	}
	if get(pods[set.Open+"/hostpath"], "spec", "volumes", 0, "hostPath", "path") != "/" {
		t.Error("hostPath volume missing")
	}
	if get(pods[set.Secure+"/hardened"], "spec", "containers", 0, "securityContext", "allowPrivilegeEscalation") != false {
		t.Error("hardened pod securityContext missing")
	}
	for dir, name := range map[string]string{"apps/v1/deployments": "web", "apps/v1/daemonsets": "agent",
		"apps/v1/statefulsets": "db", "apps/v1/replicasets": "web-1", "batch/v1/jobs": "migrate", "batch/v1/cronjobs": "backup"} {
		o, ok := byName(s.objects(t, dir))[set.Open+"/"+name]
		if !ok {
			t.Errorf("%s %s/%s not collected", dir, set.Open, name)
			continue
		}
		kind := map[string]string{"deployments": "Deployment", "daemonsets": "DaemonSet", "statefulsets": "StatefulSet",
			"replicasets": "ReplicaSet", "jobs": "Job", "cronjobs": "CronJob"}[dir[strings.LastIndex(dir, "/")+1:]]
		if get(o, "kind") != kind || get(o, "apiVersion") != dir[:strings.LastIndex(dir, "/")] {
			t.Errorf("%s: kind %v apiVersion %v", dir, get(o, "kind"), get(o, "apiVersion"))
		}
	}
	if get(byName(s.objects(t, "apps/v1/daemonsets"))[set.Open+"/agent"], "spec", "template", "spec", "hostNetwork") != true {
		t.Error("daemonset hostNetwork missing")
	}
}

func checkRBACAndNetwork(t *testing.T, s *memSink, set *fixtures.Set) {
	nss := byName(s.objects(t, "core/v1/namespaces"))
	if get(nss[set.Secure], "metadata", "labels", "pod-security.kubernetes.io/enforce") != "restricted" {
		t.Errorf("secure namespace PSA labels: %v", get(nss[set.Secure], "metadata", "labels"))
	}
	if _, ok := nss[set.Open]; !ok || get(nss[set.Open], "metadata", "labels", "pod-security.kubernetes.io/enforce") != nil {
		t.Errorf("open namespace: %v", nss[set.Open])
	}
	np := byName(s.objects(t, "networking.k8s.io/v1/networkpolicies"))
	if _, ok := np[set.Secure+"/default-deny"]; !ok {
		t.Error("default-deny networkpolicy not collected")
	}
	for k := range np {
		if strings.HasPrefix(k, set.Open+"/") {
			t.Errorf("unexpected networkpolicy %s", k)
		}
	}
	cr := byName(s.objects(t, "rbac.authorization.k8s.io/v1/clusterroles"))[set.WildcardClusterRole]
	if get(cr, "rules", 0, "verbs", 0) != "*" || get(cr, "rules", 0, "resources", 0) != "*" {
		t.Errorf("wildcard clusterrole: %v", cr)
	}
	crb := byName(s.objects(t, "rbac.authorization.k8s.io/v1/clusterrolebindings"))[set.AdminBinding]
	if get(crb, "roleRef", "name") != "cluster-admin" || get(crb, "subjects", 0, "namespace") != set.Open {
		t.Errorf("cluster-admin binding: %v", crb)
	}
	if _, ok := byName(s.objects(t, "rbac.authorization.k8s.io/v1/roles"))[set.Open+"/secret-reader"]; !ok {
		t.Error("role secret-reader not collected")
	}
	if _, ok := byName(s.objects(t, "rbac.authorization.k8s.io/v1/rolebindings"))[set.Open+"/default-secret-reader"]; !ok {
		t.Error("rolebinding not collected")
	}
	if _, ok := byName(s.objects(t, "core/v1/serviceaccounts"))[set.Open+"/default"]; !ok {
		t.Error("serviceaccount not collected")
	}
}

func checkSecrets(t *testing.T, s *memSink, set *fixtures.Set) {
	secs := byName(s.objects(t, "core/v1/secrets"))
	for _, name := range set.SecretNames {
		o, ok := secs[set.Open+"/"+name]
		if !ok {
			t.Errorf("secret %s metadata not collected", name)
			continue
		}
		if len(o) != 3 || get(o, "apiVersion") != "v1" || get(o, "kind") != "Secret" || get(o, "metadata", "uid") == nil {
			t.Errorf("secret %s: want only apiVersion, kind, metadata; got keys %v", name, keys(o))
		}
	}
	applied := secs[set.Open+"/applied"]
	if get(applied, "metadata", "annotations", "example.com/owner") != "team-a" || get(applied, "metadata", "labels", "app") != "web" {
		t.Errorf("applied secret lost its harmless metadata: %v", applied)
	}
	if get(applied, "metadata", "annotations", cluster.LastAppliedAnnotation) != nil {
		t.Error("last-applied-configuration annotation kept on a secret")
	}
}

func checkClusterScoped(t *testing.T, s *memSink, set *fixtures.Set) {
	for dir, name := range map[string]string{
		"core/v1/nodes": set.Node,
		"admissionregistration.k8s.io/v1/validatingwebhookconfigurations":   set.Webhook,
		"admissionregistration.k8s.io/v1/validatingadmissionpolicies":       set.Policy,
		"admissionregistration.k8s.io/v1/validatingadmissionpolicybindings": set.Policy,
	} {
		if _, ok := byName(s.objects(t, dir))[name]; !ok {
			t.Errorf("%s %s not collected", dir, name)
		}
	}
	crd, ok := byName(s.objects(t, "apiextensions.k8s.io/v1/customresourcedefinitions"))[set.CRD]
	if !ok || len(get(crd, "metadata").(map[string]any)) != 1 || len(crd) != 3 {
		t.Errorf("crd %s: want name only, got %v", set.CRD, crd)
	}
	cms := byName(s.objects(t, "core/v1/configmaps"))
	full := 0
	for k, o := range cms {
		if _, ok := o["data"]; ok {
			full++
			if !strings.HasPrefix(k, "kube-system/") {
				t.Errorf("configmap %s collected with its data", k)
			}
		}
	}
	for _, n := range []string{"kubeadm-config", "kubelet-config", "kube-proxy"} {
		if _, ok := cms["kube-system/"+n]["data"]; !ok {
			t.Errorf("configmap kube-system/%s not collected in full", n)
		}
	}
	if full != 3 {
		t.Errorf("%d configmaps collected with data, want only the three component ones", full)
	}
}

// checkSanitized: no planted value, no managedFields, no last-applied annotation anywhere.
func checkSanitized(t *testing.T, s *memSink, set *fixtures.Set) {
	all := s.all()
	for _, v := range []string{set.Planted, base64.StdEncoding.EncodeToString([]byte(set.Planted))} {
		if bytes.Contains(all, []byte(v)) {
			t.Errorf("planted secret value %q found in the evidence", v)
		}
	}
	// The kube-system decoy ConfigMap's data is covered by the planted value above; its name
	// may be listed (metadata) when the identity may list ConfigMaps.
	for _, bad := range []string{`"managedFields"`, cluster.LastAppliedAnnotation} {
		if bytes.Contains(all, []byte(bad)) {
			t.Errorf("evidence contains %s", bad)
		}
	}
}

// TestPaginationAndFreshList lists more objects than one chunk, once normally and once
// with the continue token expiring (410) mid-list: every object exactly once, complete.
func TestPaginationAndFreshList(t *testing.T) {
	cfg := kubetest.Config(t)
	ns := kubetest.Namespace(t, cfg, nil)
	const n = 1203
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := fixtures.Bulk(ctx, cfg, []string{ns}, []string{"serviceaccounts"}, n, 8, nil); err != nil {
		t.Fatal(err)
	}
	check := func(name string, s *memSink) {
		r := s.resources(t)["core/serviceaccounts"]
		if !r.Complete || len(r.Members) < 3 {
			t.Errorf("%s: serviceaccounts complete=%v members=%d, want complete in ≥3 pages", name, r.Complete, len(r.Members))
		}
		seen := map[string]int{}
		for _, o := range s.objects(t, "core/v1/serviceaccounts") {
			if get(o, "metadata", "namespace") == ns {
				seen[get(o, "metadata", "name").(string)]++
			}
		}
		if len(seen) != n {
			t.Errorf("%s: %d distinct serviceaccounts of %s, want %d", name, len(seen), ns, n)
		}
		for k, c := range seen {
			if c != 1 {
				t.Errorf("%s: serviceaccount %s collected %d times", name, k, c)
			}
		}
	}
	s, _ := collect(t, cluster.Options{Config: cfg})
	check("plain", s)

	f := &faults{rules: []fault{{path: "/api/v1/serviceaccounts", withContinue: true, status: 410, times: 1, hitAfter: 1}}}
	s, res := collect(t, cluster.Options{Config: f.wrap(cfg)})
	check("410", s)
	if f.rules[0].fired != 1 || len(res.Gaps) != 0 {
		t.Errorf("410 fault fired %d times, gaps %+v", f.rules[0].fired, res.Gaps)
	}
}

// TestRetriesAndGaps injects throttling and server errors: transient ones are retried,
// persistent ones become gaps with their HTTP status, and the run goes on.
func TestRetriesAndGaps(t *testing.T) {
	cfg := kubetest.Config(t)
	f := &faults{rules: []fault{
		{path: "/api/v1/namespaces", status: 429, times: 2},
		{path: "/apis/apps/v1/deployments", status: 503, times: 1},
		{path: "/apis/rbac.authorization.k8s.io/v1/roles", status: 500, times: 100},
		{path: "/apis/batch/v1/jobs", status: 403, times: 100},
	}}
	s, res := collect(t, cluster.Options{Config: f.wrap(cfg), Retries: 2, Backoff: time.Millisecond})
	rs := s.resources(t)
	if !rs["core/namespaces"].Complete || !rs["apps/deployments"].Complete {
		t.Errorf("transient errors not retried: namespaces %+v deployments %+v", rs["core/namespaces"].Complete, rs["apps/deployments"].Complete)
	}
	if f.rules[2].fired != 3 {
		t.Errorf("persistent 500 tried %d times, want 3 (1 + 2 retries)", f.rules[2].fired)
	}
	if f.rules[3].fired != 1 {
		t.Errorf("403 tried %d times, want 1 (not retryable)", f.rules[3].fired)
	}
	want := map[string]evidence.Gap{
		"rbac.authorization.k8s.io/v1/roles": {Kind: evidence.GapError, HTTPStatus: 500},
		"batch/v1/jobs":                      {Kind: evidence.GapForbidden, HTTPStatus: 403},
	}
	if len(res.Gaps) != len(want) || len(s.gaps) != len(want) {
		t.Errorf("gaps = %+v, want %d", res.Gaps, len(want))
	}
	for _, g := range res.Gaps {
		w, ok := want[g.Item]
		if !ok || g.Kind != w.Kind || g.HTTPStatus != w.HTTPStatus || g.Reason == "" {
			t.Errorf("gap %+v, want %+v", g, w)
		}
	}
	if rs["rbac.authorization.k8s.io/roles"].Complete || rs["batch/jobs"].Complete || !rs["rbac.authorization.k8s.io/clusterroles"].Complete {
		t.Error("failed resources must be incomplete and later ones collected")
	}
}

// TestLeastPrivilege runs the collector with the ServiceAccount and RBAC of deploy/:
// everything is collected except Secrets and the cluster-wide ConfigMap list, which the
// role deliberately does not grant (the three component ConfigMaps are still read).
func TestLeastPrivilege(t *testing.T) {
	admin := kubetest.Config(t)
	set := seed(t, admin)
	kubetest.Apply(t, admin, "../../deploy/cluster-rbac.yaml")
	sa := kubetest.ServiceAccountConfig(t, admin, "kubeproof", "kubeproof-collector")
	s, res := collect(t, cluster.Options{Config: sa})

	excluded := map[string]bool{"core/v1/secrets": true, "core/v1/configmaps": true}
	for _, g := range res.Gaps {
		if !excluded[g.Item] {
			t.Errorf("unexpected gap for a granted resource: %+v", g)
		} else if g.Kind != evidence.GapForbidden || g.HTTPStatus != 403 {
			t.Errorf("excluded resource gap = %+v, want forbidden/403", g)
		}
	}
	if len(res.Gaps) != len(excluded) {
		t.Errorf("gaps = %+v, want exactly %v", res.Gaps, keys(excluded))
	}
	for k, r := range s.resources(t) {
		if r.Served && !r.Complete && !excluded[r.Group+"/"+r.Version+"/"+r.Resource] && !(r.Group == "" && excluded["core/"+r.Version+"/"+r.Resource]) {
			t.Errorf("resource %s incomplete with the deploy/ role", k)
		}
	}
	checkInfo(t, sa, s, "")
	checkWorkloads(t, s, set)
	checkRBACAndNetwork(t, s, set)
	checkClusterScoped(t, s, set)
	checkSanitized(t, s, set)
	if len(s.objects(t, "core/v1/secrets")) != 0 {
		t.Error("secrets collected without permission?")
	}
	if bytes.Contains(s.all(), []byte(set.KubeSystemDecoy)) {
		t.Errorf("evidence names %s without a ConfigMap list permission", set.KubeSystemDecoy)
	}
}

// TestForbiddenIsAGap: an identity that may list nothing still produces a bundle whose
// gaps name every resource with its 403.
func TestForbiddenIsAGap(t *testing.T) {
	admin := kubetest.Config(t)
	ns := kubetest.Namespace(t, admin, nil)
	cs := kubetest.Clientset(t, admin)
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(context.Background(), sa("nobody"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := kubetest.ServiceAccountConfig(t, admin, ns, "nobody")
	s, res := collect(t, cluster.Options{Config: cfg})
	forbidden := 0
	for _, g := range res.Gaps {
		if g.Kind == evidence.GapForbidden && g.HTTPStatus == 403 && strings.Contains(g.Reason, "forbidden") {
			forbidden++
		}
	}
	served := 0
	for _, r := range s.resources(t) {
		if r.Served {
			served++
		}
	}
	// every served resource, plus the kube-system namespace (identity); configmaps: one per name and the list
	if forbidden < served+1 {
		t.Errorf("%d forbidden gaps for %d served resources: %+v", forbidden, served, res.Gaps)
	}
	if s.members[evidence.PathClusterInfo] == nil || s.members[evidence.PathResources] == nil {
		t.Error("info/resources members missing")
	}
}

// TestResourceDeadline: a LIST that hangs ends at the per-resource deadline as a timeout
// gap, and the following resources are still collected.
func TestResourceDeadline(t *testing.T) {
	cfg := kubetest.Config(t)
	f := &faults{rules: []fault{{path: "/api/v1/nodes", hang: true, times: 100}}}
	start := time.Now()
	s, res := collect(t, cluster.Options{Config: f.wrap(cfg), ResourceTimeout: 2 * time.Second})
	found := false
	for _, g := range res.Gaps {
		found = found || g.Item == "core/v1/nodes" && g.Kind == evidence.GapTimeout
		if g.Kind != evidence.GapTimeout { // a loaded machine may time out big lists too
			t.Errorf("unexpected gap %+v", g)
		}
	}
	if !found {
		t.Errorf("gaps = %+v, want a timeout for core/v1/nodes", res.Gaps)
	}
	rs := s.resources(t)
	if rs["core/nodes"].Complete || !rs["rbac.authorization.k8s.io/clusterroles"].Complete {
		t.Errorf("nodes complete=%v clusterroles complete=%v", rs["core/nodes"].Complete, rs["rbac.authorization.k8s.io/clusterroles"].Complete)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("took %s: the deadline did not stop the hanging request", d)
	}
}

// TestNamedConfigMapFailure: when the GET of a component ConfigMap fails but the list
// succeeds, the object is neither written twice nor as metadata in place of its data: it is
// a gap, and the configmaps resource is incomplete.
func TestNamedConfigMapFailure(t *testing.T) {
	admin := kubetest.Config(t)
	seed(t, admin)
	f := &faults{rules: []fault{{path: "/api/v1/namespaces/kube-system/configmaps/kube-proxy", status: 403, times: 100}}}
	s, res := collect(t, cluster.Options{Config: f.wrap(admin)})
	if len(res.Gaps) != 1 || res.Gaps[0].Item != "core/v1/configmaps/kube-system/kube-proxy" || res.Gaps[0].Kind != evidence.GapForbidden {
		t.Errorf("gaps = %+v, want one forbidden gap for the kube-proxy ConfigMap", res.Gaps)
	}
	cms := byName(s.objects(t, "core/v1/configmaps"))
	if o, ok := cms["kube-system/kube-proxy"]; ok {
		t.Errorf("kube-system/kube-proxy written although its GET failed: %v", o)
	}
	if _, ok := cms["kube-system/kubeadm-config"]["data"]; !ok {
		t.Error("kube-system/kubeadm-config not collected in full")
	}
	if r := s.resources(t)["core/configmaps"]; r.Complete || r.Count != len(cms) || len(cms) < 3 {
		t.Errorf("configmaps resource %+v (%d objects), want incomplete with every other ConfigMap", r, len(cms))
	}
}
