package gen

import (
	"fmt"
	"io"
	"path/filepath"
	"sync"

	"github.com/kubeproof/kubeproof/evidence"
)

// BigSpec sizes the scale benchmark.
type BigSpec struct {
	Pods, RBAC, Nodes int
}

// Big writes a large cluster bundle (cluster.tar.zst) and Nodes node bundles
// (node-NNN.tar.zst) into dir, with key.pub. About 2% of pods are privileged, 1% use
// hostNetwork and some live in the default namespace, so object rules list real offenders.
func Big(dir string, spec BigSpec) error {
	s := Key(1)
	if err := WriteKey(filepath.Join(dir, "key.pub"), s); err != nil {
		return err
	}
	c := bigCluster(spec)
	var wg sync.WaitGroup
	errs := make(chan error, spec.Nodes+1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs <- WriteFile(filepath.Join(dir, "cluster.tar.zst"), func(w io.Writer) error { return c.Write(w, s) })
	}()
	sem := make(chan struct{}, 4)
	for i := 0; i < spec.Nodes; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			n := bigNode(i)
			errs <- WriteFile(filepath.Join(dir, fmt.Sprintf("node-%03d.tar.zst", i)), func(w io.Writer) error { return n.Write(w, s) })
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func bigNode(i int) *Node {
	var n *Node
	switch {
	case i < 3:
		n = DemoControlPlane()
	case i%2 == 0:
		n = DemoWorkerConfigFile()
	default:
		n = DemoWorkerFlagsOnly()
	}
	n.Name = fmt.Sprintf("node-%03d", i)
	return n
}

var namespaces = 200

func bigCluster(spec BigSpec) *Cluster {
	nsObjs := make([]any, namespaces)
	for i := range nsObjs {
		nsObjs[i] = obj("Namespace", "", fmt.Sprintf("ns-%03d", i), nil)
	}
	nodes := make([]any, spec.Nodes)
	for i := range nodes {
		nodes[i] = obj("Node", "", fmt.Sprintf("node-%03d", i), map[string]any{"status": map[string]any{"nodeInfo": map[string]any{"kubeletVersion": "v1.33.2"}}})
	}
	quarter := spec.RBAC / 4
	return &Cluster{
		Name: "big", UID: "0b16b16b-0000-4000-8000-000000000001", ServerVersion: "v1.33.2",
		Resources: []Resource{
			{Version: "v1", Resource: "namespaces", Kind: "Namespace", Objects: nsObjs},
			{Version: "v1", Resource: "nodes", Kind: "Node", Objects: nodes},
			{Version: "v1", Resource: "pods", Kind: "Pod", Namespaced: true, Count: spec.Pods, Make: bigPod},
			{Version: "v1", Resource: "serviceaccounts", Kind: "ServiceAccount", Namespaced: true, Count: namespaces, Make: func(i int) any {
				return obj("ServiceAccount", fmt.Sprintf("ns-%03d", i), "default", nil)
			}},
			{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies", Kind: "NetworkPolicy", Namespaced: true, Count: namespaces / 2, Make: func(i int) any {
				return obj("NetworkPolicy", fmt.Sprintf("ns-%03d", i*2), "deny", map[string]any{"spec": map[string]any{"podSelector": map[string]any{}}})
			}},
			{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles", Kind: "Role", Namespaced: true, Count: quarter, Make: bigRole("Role")},
			{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings", Kind: "RoleBinding", Namespaced: true, Count: quarter, Make: bigBinding("RoleBinding", "Role")},
			{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles", Kind: "ClusterRole", Count: quarter, Make: bigRole("ClusterRole")},
			{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings", Kind: "ClusterRoleBinding", Count: spec.RBAC - 3*quarter, Make: bigBinding("ClusterRoleBinding", "ClusterRole")},
		},
	}
}

func bigPod(i int) any {
	ns := fmt.Sprintf("ns-%03d", i%namespaces)
	if i%97 == 0 {
		ns = "default"
	}
	sc := map[string]any{"runAsNonRoot": true, "allowPrivilegeEscalation": false, "capabilities": map[string]any{"drop": []any{"ALL"}}}
	spec := map[string]any{"serviceAccountName": "default", "nodeName": fmt.Sprintf("node-%03d", i%100)}
	if i%50 == 0 {
		sc = map[string]any{"privileged": true}
	}
	if i%100 == 1 {
		spec["hostNetwork"] = true
	}
	p := pod(ns, fmt.Sprintf("app-%06d", i), sc, spec)
	meta := p["metadata"].(map[string]any)
	meta["labels"] = map[string]any{"app": fmt.Sprintf("app-%d", i%500), "pod-template-hash": "5d8f7c9b6"}
	meta["ownerReferences"] = []any{map[string]any{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": fmt.Sprintf("app-%d-5d8f7c9b6", i%500)}}
	c := p["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	c["resources"] = map[string]any{"limits": map[string]any{"cpu": "500m", "memory": "256Mi"}}
	c["env"] = []any{map[string]any{"name": "MODE", "value": "prod"}}
	c["volumeMounts"] = []any{map[string]any{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}}
	padPod(p, i)
	return p
}

// padPod adds the fields a real pod carries (scheduling, volumes, status), so that objects
// are about 3 KB of JSON like pods in a live cluster (managedFields excluded).
func padPod(p map[string]any, i int) {
	meta := p["metadata"].(map[string]any)
	meta["generateName"] = fmt.Sprintf("app-%d-5d8f7c9b6-", i%500)
	meta["resourceVersion"] = fmt.Sprint(1000000 + i)
	meta["creationTimestamp"] = "2026-01-01T00:00:00Z"
	meta["annotations"] = map[string]any{"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z", "prometheus.io/scrape": "true"}
	spec := p["spec"].(map[string]any)
	spec["dnsPolicy"], spec["restartPolicy"], spec["schedulerName"] = "ClusterFirst", "Always", "default-scheduler"
	spec["terminationGracePeriodSeconds"], spec["priority"], spec["enableServiceLinks"] = 30, 0, true
	spec["preemptionPolicy"] = "PreemptLowerPriority"
	spec["tolerations"] = []any{
		map[string]any{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
		map[string]any{"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}}
	spec["volumes"] = []any{map[string]any{"name": "kube-api-access", "projected": map[string]any{"defaultMode": 420, "sources": []any{
		map[string]any{"serviceAccountToken": map[string]any{"expirationSeconds": 3607, "path": "token"}},
		map[string]any{"configMap": map[string]any{"name": "kube-root-ca.crt", "items": []any{map[string]any{"key": "ca.crt", "path": "ca.crt"}}}},
		map[string]any{"downwardAPI": map[string]any{"items": []any{map[string]any{"path": "namespace", "fieldRef": map[string]any{"apiVersion": "v1", "fieldPath": "metadata.namespace"}}}}}}}}}
	c := spec["containers"].([]any)[0].(map[string]any)
	c["imagePullPolicy"], c["terminationMessagePath"], c["terminationMessagePolicy"] = "IfNotPresent", "/dev/termination-log", "File"
	c["ports"] = []any{map[string]any{"containerPort": 8080, "name": "http", "protocol": "TCP"}}
	c["readinessProbe"] = map[string]any{"httpGet": map[string]any{"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10, "failureThreshold": 3}
	ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	var conds []any
	for _, t := range []string{"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"} {
		conds = append(conds, map[string]any{"type": t, "status": "True", "lastTransitionTime": "2026-01-01T00:00:05Z", "lastProbeTime": nil})
	}
	p["status"] = map[string]any{"phase": "Running", "podIP": ip, "podIPs": []any{map[string]any{"ip": ip}}, "hostIP": "192.168.0.10",
		"qosClass": "Burstable", "startTime": "2026-01-01T00:00:00Z", "conditions": conds,
		"containerStatuses": []any{map[string]any{"name": "app", "ready": true, "restartCount": i % 3, "started": true,
			"image": "registry.example/app:1", "imageID": fmt.Sprintf("registry.example/app@sha256:%064x", i%500),
			"containerID": fmt.Sprintf("containerd://%064x", i), "state": map[string]any{"running": map[string]any{"startedAt": "2026-01-01T00:00:04Z"}}}}}
}

func bigRole(kind string) func(i int) any {
	return func(i int) any {
		ns := ""
		if kind == "Role" {
			ns = fmt.Sprintf("ns-%03d", i%namespaces)
		}
		verbs := []any{"get", "list", "watch"}
		res := []any{"pods", "configmaps"}
		if i%200 == 0 {
			verbs, res = []any{"*"}, []any{"secrets"}
		}
		return obj(kind, ns, fmt.Sprintf("role-%05d", i), map[string]any{"rules": []any{map[string]any{"apiGroups": []any{""}, "resources": res, "verbs": verbs}}})
	}
}

func bigBinding(kind, roleKind string) func(i int) any {
	return func(i int) any {
		ns := ""
		if kind == "RoleBinding" {
			ns = fmt.Sprintf("ns-%03d", i%namespaces)
		}
		role := fmt.Sprintf("role-%05d", i)
		if kind == "ClusterRoleBinding" && i%500 == 0 {
			role = "cluster-admin"
		}
		return obj(kind, ns, fmt.Sprintf("binding-%05d", i), map[string]any{
			"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": roleKind, "name": role},
			"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": "default", "namespace": fmt.Sprintf("ns-%03d", i%namespaces)}}})
	}
}

var _ = evidence.PathHost
