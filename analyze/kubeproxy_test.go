package analyze

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/analyze/gen"
	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/rules"
)

const proxyConf = "/var/lib/kube-proxy/config.conf"

func kpMeta(kind, ns, name string, extra map[string]any) map[string]any {
	o := map[string]any{"apiVersion": "v1", "kind": kind, "metadata": map[string]any{"name": name, "namespace": ns}}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

// kubeadmProxyDS is kubeadm's kube-proxy DaemonSet: --config in the ConfigMap volume.
func kubeadmProxyDS(nodeSelector map[string]any, tolerateAll bool) map[string]any {
	spec := map[string]any{
		"nodeSelector": nodeSelector,
		"containers": []any{map[string]any{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.33.2",
			"command":      []any{"/usr/local/bin/kube-proxy", "--config=" + proxyConf, "--hostname-override=$(NODE_NAME)"},
			"volumeMounts": []any{map[string]any{"name": "kube-proxy", "mountPath": "/var/lib/kube-proxy"}}}},
		"volumes": []any{map[string]any{"name": "kube-proxy", "configMap": map[string]any{"name": "kube-proxy"}}},
	}
	if tolerateAll {
		spec["tolerations"] = []any{map[string]any{"operator": "Exists"}}
	}
	return kpMeta("DaemonSet", "kube-system", "kube-proxy", map[string]any{"spec": map[string]any{"template": map[string]any{"spec": spec}}})
}

type kpCase struct {
	metrics      string // metricsBindAddress in the ConfigMap ("" = omitted)
	withCM       bool
	withDS       bool
	nodeSelector map[string]any
	tolerateAll  bool
	kubeletCM    bool // kube-system/kubelet-config with anonymous auth off
}

// runKubeProxy writes a cluster bundle and three node bundles: n-proc runs kube-proxy from the
// DaemonSet (its --config is not on the host), n-none runs no kube-proxy, n-taint is tainted.
func runKubeProxy(t *testing.T, c kpCase) *result.Report {
	t.Helper()
	dir := t.TempDir()
	s := gen.Key(1)
	conf := "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n"
	if c.metrics != "" {
		conf += "metricsBindAddress: " + c.metrics + "\n"
	}
	var cms []any
	if c.withCM {
		cms = append(cms, kpMeta("ConfigMap", "kube-system", "kube-proxy", map[string]any{"data": map[string]any{"config.conf": conf, "kubeconfig.conf": "apiVersion: v1\nkind: Config\n"}}))
	}
	if c.kubeletCM {
		cms = append(cms, kpMeta("ConfigMap", "kube-system", "kubelet-config", map[string]any{"data": map[string]any{
			"kubelet": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n"}}))
	}
	var dss []any
	if c.withDS {
		dss = append(dss, kubeadmProxyDS(c.nodeSelector, c.tolerateAll))
	}
	node := func(name string, taints []any) any {
		return map[string]any{"kind": "Node", "metadata": map[string]any{"name": name, "labels": map[string]any{"kubernetes.io/os": "linux"}},
			"spec": map[string]any{"taints": taints}, "status": map[string]any{"nodeInfo": map[string]any{"kubeletVersion": "v1.33.2"}}}
	}
	cl := &gen.Cluster{Name: "kp", UID: "uid-kp", ServerVersion: "v1.33.2", Resources: []gen.Resource{
		{Version: "v1", Resource: "nodes", Kind: "Node", Objects: []any{node("n-proc", nil), node("n-none", nil),
			node("n-taint", []any{map[string]any{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}})}},
		{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", Namespaced: true, Objects: cms},
		{Group: "apps", Version: "v1", Resource: "daemonsets", Kind: "DaemonSet", Namespaced: true, Objects: dss},
	}}
	write := func(name string, wr func(io.Writer) error) string {
		p := filepath.Join(dir, name+".tar.zst")
		if err := gen.WriteFile(p, wr); err != nil {
			t.Fatal(err)
		}
		return p
	}
	kubelet := gen.Proc("kubelet", evidence.SourceProc, "/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml")
	proxy := gen.Proc("kube-proxy", evidence.SourceProc, "/usr/local/bin/kube-proxy", "--config="+proxyConf, "--hostname-override=n-proc")
	paths := []string{write("cluster", func(w io.Writer) error { return cl.Write(w, s) })}
	for _, n := range []*gen.Node{
		{Name: "n-proc", Procs: []evidence.Process{kubelet, proxy},
			Files: []evidence.File{{Path: proxyConf, Roles: []string{"kube-proxy.config"}}, {Path: "/var/lib/kubelet/config.yaml", Roles: []string{"kubelet.config"}}}},
		{Name: "n-none", Procs: []evidence.Process{kubelet}},
		{Name: "n-taint", Procs: []evidence.Process{kubelet}},
	} {
		n := n
		paths = append(paths, write(n.Name, func(w io.Writer) error { return n.Write(w, s) }))
	}
	set, err := rules.LoadFS(os.DirFS("testdata/rules"), ".", "testdata/rules")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(Options{Bundles: paths, Trusted: gen.Trusted(s), Rules: set})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestKubeProxyFromConfigMap(t *testing.T) {
	linux := map[string]any{"kubernetes.io/os": "linux"}
	rep := runKubeProxy(t, kpCase{metrics: "0.0.0.0:10249", withCM: true, withDS: true, nodeSelector: linux})
	r := find(t, rep, "4.3.1")
	for _, node := range []string{"n-proc", "n-none"} {
		tg := target(t, r, node)
		t.Logf("%s: %+v", node, tg)
		if tg.Status != result.Fail || tg.Actual != "0.0.0.0:10249" || tg.Source != result.SourceAPI {
			t.Errorf("%s: %s %q source %q (%s), want FAIL 0.0.0.0:10249 from api", node, tg.Status, tg.Actual, tg.Source, tg.Reason)
		}
		if !strings.Contains(tg.Note, "ConfigMap kube-system/kube-proxy") || !strings.Contains(tg.Note, "not from the node") {
			t.Errorf("%s: note does not say where the value comes from: %q", node, tg.Note)
		}
		var cm bool
		for _, e := range tg.Evidence {
			if strings.HasPrefix(e.Member, "cluster/objects/core/v1/configmaps/") && e.SHA256 != "" && e.Bundle == "cluster.tar.zst" {
				cm = true
			}
		}
		if !cm {
			t.Errorf("%s: evidence does not cite the ConfigMap member: %+v", node, tg.Evidence)
		}
	}
	if tg := target(t, r, "n-taint"); tg.Status != result.NotApplicable || !strings.Contains(tg.Reason, "does not tolerate") {
		t.Errorf("n-taint (not tolerated): %s %q", tg.Status, tg.Reason)
	}

	// omitted in the ConfigMap: the --config default applies, still from the api
	rep = runKubeProxy(t, kpCase{withCM: true, withDS: true, nodeSelector: linux, tolerateAll: true})
	r = find(t, rep, "4.3.1")
	for _, node := range []string{"n-proc", "n-none", "n-taint"} {
		if tg := target(t, r, node); tg.Status != result.Pass || tg.Actual != "127.0.0.1:10249" || tg.Source != result.SourceDefault {
			t.Errorf("%s default: %s %q %q (%s)", node, tg.Status, tg.Actual, tg.Source, tg.Reason)
		}
	}

	// no DaemonSet: the ConfigMap alone proves nothing about any node
	rep = runKubeProxy(t, kpCase{metrics: "0.0.0.0:10249", withCM: true})
	r = find(t, rep, "4.3.1")
	if tg := target(t, r, "n-proc"); tg.Status != result.NoEvidence {
		t.Errorf("n-proc without DaemonSet: %s %q", tg.Status, tg.Reason)
	}
	if tg := target(t, r, "n-none"); tg.Status != result.NotApplicable {
		t.Errorf("n-none without DaemonSet: %s %q", tg.Status, tg.Reason)
	}

	// no ConfigMap: nothing to read
	rep = runKubeProxy(t, kpCase{withDS: true, nodeSelector: linux})
	if tg := target(t, find(t, rep, "4.3.1"), "n-proc"); tg.Status != result.NoEvidence {
		t.Errorf("n-proc without ConfigMap: %s %q", tg.Status, tg.Reason)
	}

	// a nodeSelector that does not match: the DaemonSet does not run there
	rep = runKubeProxy(t, kpCase{metrics: "0.0.0.0:10249", withCM: true, withDS: true, nodeSelector: map[string]any{"kubernetes.io/os": "windows"}})
	if tg := target(t, find(t, rep, "4.3.1"), "n-none"); tg.Status != result.NotApplicable || !strings.Contains(tg.Reason, "nodeSelector") {
		t.Errorf("n-none, other OS: %s %q", tg.Status, tg.Reason)
	}
}

// TestKubeletConfigMapIgnored: kubeadm's kubelet-config ConfigMap never stands in for the
// node's --config file.
func TestKubeletConfigMapIgnored(t *testing.T) {
	rep := runKubeProxy(t, kpCase{withCM: true, withDS: true, kubeletCM: true})
	for _, id := range []string{"4.2.1"} {
		if tg := target(t, find(t, rep, id), "n-proc"); tg.Status != result.NoEvidence || tg.Source == result.SourceAPI {
			t.Errorf("%s on n-proc: %s %q source %q, want NO_EVIDENCE (config file not on the node)", id, tg.Status, tg.Reason, tg.Source)
		}
	}
}
