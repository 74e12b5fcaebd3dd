package gen

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/kubeproof/kubeproof/evidence"
)

// DemoUID is the kube-system UID of the demo cluster.
const DemoUID = "6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c"

// Demo writes the demo assessment into dir: cluster.tar.zst, cp-1.tar.zst, w-1.tar.zst,
// w-2.tar.zst and the signer's public key key.pub. The cluster lists a fourth node, w-3,
// that no node bundle covers.
func Demo(dir string) error {
	s := Key(1)
	if err := WriteKey(filepath.Join(dir, "key.pub"), s); err != nil {
		return err
	}
	for name, n := range map[string]*Node{"cp-1": DemoControlPlane(), "w-1": DemoWorkerConfigFile(), "w-2": DemoWorkerFlagsOnly()} {
		n := n
		if err := WriteFile(filepath.Join(dir, name+".tar.zst"), func(w io.Writer) error { return n.Write(w, s) }); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	c := DemoCluster()
	return WriteFile(filepath.Join(dir, "cluster.tar.zst"), func(w io.Writer) error { return c.Write(w, s) })
}

const (
	kubeletConfig = "/var/lib/kubelet/config.yaml"
	proxyConfig   = "/var/lib/kube-proxy/config.conf"
	dropinDir     = "/etc/kubernetes/kubelet.conf.d"
)

func kubeletProc(extra ...string) evidence.Process {
	argv := append([]string{"/usr/bin/kubelet", "--kubeconfig=/etc/kubernetes/kubelet.conf"}, extra...)
	return Proc("kubelet", evidence.SourceProc, argv...)
}

// DemoControlPlane is a kubeadm control-plane node: static pods (the API server also
// running), a kubelet with a config file that omits authentication.anonymous (compliant
// default), and an etcd that sets only the peer variant of client-cert-auth.
func DemoControlPlane() *Node {
	api := []string{"kube-apiserver", "--anonymous-auth=false", "--authorization-mode=Node,RBAC",
		"--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt", "--profiling=false",
		"--audit-policy-file=/etc/kubernetes/audit-policy.yaml"}
	return &Node{
		Name: "cp-1",
		Procs: []evidence.Process{
			Proc("kube-apiserver", evidence.SourceStaticManifest, api...),
			Proc("kube-apiserver", evidence.SourceProc, api...),
			Proc("kube-controller-manager", evidence.SourceStaticManifest, "kube-controller-manager", "--kubeconfig=/etc/kubernetes/controller-manager.conf"),
			Proc("kube-scheduler", evidence.SourceStaticManifest, "kube-scheduler", "--kubeconfig=/etc/kubernetes/scheduler.conf", "--profiling=false"),
			withManifest(Proc("etcd", evidence.SourceStaticManifest, "etcd", "--peer-client-cert-auth=true", "--data-dir=/var/lib/etcd"), "/etc/kubernetes/manifests/etcd.yaml"),
			kubeletProc("--config=" + kubeletConfig),
		},
		Files: []evidence.File{
			File("/etc/kubernetes/manifests/kube-apiserver.yaml", 0o600, map[string]any{"kind": "Pod"}, "kube-apiserver.manifest"),
			File("/etc/kubernetes/manifests/kube-controller-manager.yaml", 0o644, map[string]any{"kind": "Pod"}, "kube-controller-manager.manifest"),
			File("/etc/kubernetes/manifests/kube-scheduler.yaml", 0o600, map[string]any{"kind": "Pod"}, "kube-scheduler.manifest"),
			File(kubeletConfig, 0o600, map[string]any{"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
				"authorization": map[string]any{"mode": "Webhook"}, "readOnlyPort": 0}, "kubelet.config"),
		},
		Gaps: []evidence.Gap{{Item: "/etc/kubernetes/audit-policy.yaml", Kind: evidence.GapPermissionDenied, Reason: "open: permission denied"},
			{Item: "/etc/kubernetes/manifests/etcd.yaml", Kind: evidence.GapPermissionDenied, Reason: "open: permission denied"}},
	}
}

func withManifest(p evidence.Process, path string) evidence.Process {
	p.Manifest = path
	return p
}

// DemoWorkerConfigFile is a worker whose kubelet config file is compliant but a flag turns
// anonymous auth back on, and whose drop-ins re-open the read-only port; kube-proxy runs
// with a config file and an (ignored) metrics flag.
func DemoWorkerConfigFile() *Node {
	return &Node{
		Name: "w-1",
		Procs: []evidence.Process{
			kubeletProc("--config="+kubeletConfig, "--config-dir="+dropinDir, "--anonymous-auth=true"),
			Proc("kube-proxy", evidence.SourceProc, "/usr/local/bin/kube-proxy", "--config="+proxyConfig, "--metrics-bind-address=0.0.0.0:10249", "--hostname-override=w-1"),
		},
		Files: []evidence.File{
			File(kubeletConfig, 0o644, map[string]any{"kind": "KubeletConfiguration",
				"authentication": map[string]any{"anonymous": map[string]any{"enabled": false}}, "readOnlyPort": 0}, "kubelet.config"),
			Dir(dropinDir, 0o755, []string{"10-ports.conf", "20-auth.conf", "README"}),
			File(dropinDir+"/10-ports.conf", 0o644, map[string]any{"readOnlyPort": 10255, "authorization": map[string]any{"mode": "AlwaysAllow"}}, "kubelet.dropin"),
			File(dropinDir+"/20-auth.conf", 0o644, map[string]any{"authorization": map[string]any{"mode": "Webhook"}}, "kubelet.dropin"),
			File(proxyConfig, 0o644, map[string]any{"kind": "KubeProxyConfiguration", "mode": "iptables"}, "kube-proxy.config"),
		},
	}
}

// DemoWorkerFlagsOnly is a worker whose kubelet runs without --config (flag defaults
// apply), with no kube-proxy, and whose kubeconfig could not be read.
func DemoWorkerFlagsOnly() *Node {
	return &Node{
		Name:  "w-2",
		Procs: []evidence.Process{kubeletProc("--read-only-port=0")},
		Gaps:  []evidence.Gap{{Item: "/etc/kubernetes/kubelet.conf", Kind: evidence.GapPermissionDenied, Reason: "open: permission denied"}},
	}
}

func obj(kind, ns, name string, extra map[string]any) map[string]any {
	meta := map[string]any{"name": name, "uid": "uid-" + ns + "-" + name}
	if ns != "" {
		meta["namespace"] = ns
	}
	o := map[string]any{"metadata": meta}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

func pod(ns, name string, sc map[string]any, spec map[string]any) map[string]any {
	c := map[string]any{"name": "app", "image": "registry.example/app:1"}
	if sc != nil {
		c["securityContext"] = sc
	}
	s := map[string]any{"containers": []any{c}}
	for k, v := range spec {
		s[k] = v
	}
	o := obj("Pod", ns, name, map[string]any{"spec": s})
	o["metadata"].(map[string]any)["managedFields"] = []any{map[string]any{"manager": "kubectl"}}
	return o
}

// DemoCluster is the demo cluster bundle.
func DemoCluster() *Cluster {
	nodes := []any{}
	for _, n := range []string{"cp-1", "w-1", "w-2", "w-3"} {
		nodes = append(nodes, obj("Node", "", n, map[string]any{"status": map[string]any{"nodeInfo": map[string]any{"kubeletVersion": "v1.33.2"}}}))
	}
	return &Cluster{
		Name: "demo", UID: DemoUID, ServerVersion: "v1.33.2",
		Resources: []Resource{
			{Version: "v1", Resource: "namespaces", Kind: "Namespace", Objects: []any{
				obj("Namespace", "", "app", map[string]any{"metadata": map[string]any{"name": "app", "labels": map[string]any{"pod-security.kubernetes.io/enforce": "restricted"}}}),
				obj("Namespace", "", "default", nil), obj("Namespace", "", "kube-system", nil), obj("Namespace", "", "ops", nil)}},
			{Version: "v1", Resource: "nodes", Kind: "Node", Objects: nodes},
			{Version: "v1", Resource: "pods", Kind: "Pod", Namespaced: true, PageSize: 2, Objects: []any{
				pod("app", "web-1", map[string]any{"runAsNonRoot": true}, nil),
				pod("app", "web-2", map[string]any{"runAsNonRoot": true}, nil),
				pod("ops", "debug", map[string]any{"privileged": true}, map[string]any{"hostPID": true}),
				pod("kube-system", "kube-proxy-abcde", map[string]any{"privileged": true}, map[string]any{"hostNetwork": true}),
				pod("default", "left-over", nil, nil)}},
			{Version: "v1", Resource: "serviceaccounts", Kind: "ServiceAccount", Namespaced: true, Objects: []any{
				obj("ServiceAccount", "app", "default", map[string]any{"automountServiceAccountToken": false}),
				obj("ServiceAccount", "ops", "default", nil)}},
			{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies", Kind: "NetworkPolicy", Namespaced: true, Objects: []any{
				obj("NetworkPolicy", "app", "default-deny", map[string]any{"spec": map[string]any{"podSelector": map[string]any{}}})}},
			{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles", Kind: "ClusterRole", Objects: []any{
				obj("ClusterRole", "", "cluster-admin", map[string]any{"rules": []any{map[string]any{"apiGroups": []any{"*"}, "resources": []any{"*"}, "verbs": []any{"*"}}}}),
				obj("ClusterRole", "", "view", map[string]any{"rules": []any{map[string]any{"apiGroups": []any{""}, "resources": []any{"pods"}, "verbs": []any{"get", "list"}}}})}},
			{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings", Kind: "ClusterRoleBinding", Objects: []any{
				obj("ClusterRoleBinding", "", "cluster-admin", map[string]any{"roleRef": map[string]any{"kind": "ClusterRole", "name": "cluster-admin"},
					"subjects": []any{map[string]any{"kind": "Group", "name": "system:masters"}}}),
				obj("ClusterRoleBinding", "", "ops-admin", map[string]any{"roleRef": map[string]any{"kind": "ClusterRole", "name": "cluster-admin"},
					"subjects": []any{map[string]any{"kind": "User", "name": "alice"}}})}},
			{Version: "v1", Resource: "secrets", Kind: "Secret", Namespaced: true, Incomplete: true},
		},
	}
}
