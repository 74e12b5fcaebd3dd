package analyze

import (
	"fmt"
	"path"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/result"
)

// kubeadm runs kube-proxy as the DaemonSet kube-system/kube-proxy whose pods read their
// --config from the ConfigMap kube-system/kube-proxy (key config.conf), mounted into the
// container. The file is therefore not on the node's file system, and the node bundle cannot
// show it; the cluster bundle holds both objects (docs/effective-config.md, "kube-proxy from
// the API"). The kubelet's kube-system/kubelet-config ConfigMap is deliberately never used:
// a kubelet reads only the --config file on its node, which may differ from the ConfigMap.
const (
	kubeProxyNS   = "kube-system"
	kubeProxyName = "kube-proxy"
)

// kubeProxyAPI is what the cluster bundle says about a DaemonSet-run kube-proxy.
type kubeProxyAPI struct {
	cm       map[string]any // data of the ConfigMap kube-system/kube-proxy; nil when not collected
	cmMember string
	ds       map[string]any // the DaemonSet kube-system/kube-proxy; nil when not collected
	dsMember string
}

// note records the kube-proxy ConfigMap and DaemonSet from the first pass over the cluster bundle.
func (k *kubeProxyAPI) note(plural, member string, obj map[string]any) {
	meta, _ := obj["metadata"].(map[string]any)
	if ns, _ := meta["namespace"].(string); ns != kubeProxyNS {
		return
	}
	if name, _ := meta["name"].(string); name != kubeProxyName {
		return
	}
	switch plural {
	case "configmaps":
		data, _ := obj["data"].(map[string]any)
		if data == nil {
			data = map[string]any{}
		}
		k.cm, k.cmMember = data, member
	case "daemonsets":
		k.ds, k.dsMember = obj, member
	}
}

// mount is where the DaemonSet's kube-proxy container sees a ConfigMap key as a file.
type mount struct {
	file string // path inside the container
	key  string // ConfigMap key
}

// container returns the DaemonSet's kube-proxy container (the one named kube-proxy, else the first).
func (k *kubeProxyAPI) container() map[string]any {
	spec := dig(k.ds, "spec", "template", "spec")
	cs, _ := spec["containers"].([]any)
	var first map[string]any
	for _, c := range cs {
		cm, _ := c.(map[string]any)
		if cm == nil {
			continue
		}
		if first == nil {
			first = cm
		}
		if n, _ := cm["name"].(string); n == kubeProxyName {
			return cm
		}
	}
	return first
}

// mounts lists the files of the ConfigMap kube-system/kube-proxy as the container sees them.
func (k *kubeProxyAPI) mounts() []mount {
	spec := dig(k.ds, "spec", "template", "spec")
	vols, _ := spec["volumes"].([]any)
	items := map[string][]mount{} // volume name → key → relative path
	for _, v := range vols {
		vm, _ := v.(map[string]any)
		cmv, _ := vm["configMap"].(map[string]any)
		if cmv == nil {
			continue
		}
		if n, _ := cmv["name"].(string); n != kubeProxyName {
			continue
		}
		vname, _ := vm["name"].(string)
		var ms []mount
		if its, ok := cmv["items"].([]any); ok && len(its) > 0 {
			for _, it := range its {
				im, _ := it.(map[string]any)
				key, _ := im["key"].(string)
				p, _ := im["path"].(string)
				ms = append(ms, mount{file: p, key: key})
			}
		} else {
			for key := range k.cm {
				ms = append(ms, mount{file: key, key: key})
			}
		}
		items[vname] = ms
	}
	var out []mount
	vms, _ := k.container()["volumeMounts"].([]any)
	for _, vm := range vms {
		m, _ := vm.(map[string]any)
		name, _ := m["name"].(string)
		dir, _ := m["mountPath"].(string)
		sub, _ := m["subPath"].(string)
		for _, it := range items[name] {
			switch {
			case sub == "":
				out = append(out, mount{file: path.Join(dir, it.file), key: it.key})
			case sub == it.file:
				out = append(out, mount{file: dir, key: it.key})
			}
		}
	}
	return out
}

// configFor returns the parsed KubeProxyConfiguration the container reads at p and its
// ConfigMap key, or why there is none.
func (k *kubeProxyAPI) configFor(p string) (map[string]any, string, string) {
	if k.ds == nil || k.cm == nil {
		return nil, "", "not a DaemonSet-mounted ConfigMap"
	}
	for _, m := range k.mounts() {
		if m.file != path.Clean(p) {
			continue
		}
		raw, ok := k.cm[m.key].(string)
		if !ok {
			return nil, "", fmt.Sprintf("ConfigMap %s/%s has no key %q", kubeProxyNS, kubeProxyName, m.key)
		}
		var cfg map[string]any
		if err := yaml.Unmarshal([]byte(raw), &cfg); err != nil {
			return nil, "", fmt.Sprintf("ConfigMap %s/%s key %q is not a configuration: %v", kubeProxyNS, kubeProxyName, m.key, err)
		}
		if cfg == nil {
			cfg = map[string]any{}
		}
		return normalizeJSON(cfg).(map[string]any), m.key, ""
	}
	return nil, "", fmt.Sprintf("the DaemonSet %s/%s does not mount ConfigMap %s/%s at %s", kubeProxyNS, kubeProxyName, kubeProxyNS, kubeProxyName, p)
}

// process builds the kube-proxy process the DaemonSet's container would run (command + args).
func (k *kubeProxyAPI) process() evidence.Process {
	c := k.container()
	var argv []string
	for _, f := range []string{"command", "args"} {
		l, _ := c[f].([]any)
		for _, a := range l {
			if s, ok := a.(string); ok {
				argv = append(argv, s)
			}
		}
	}
	p := evidence.Process{Component: kubeProxyName, Source: result.SourceAPI, Argv: argv, Flags: []evidence.Flag{}}
	for _, a := range argv {
		if !strings.HasPrefix(a, "--") || a == "--" {
			continue
		}
		name, val, has := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		p.Flags = append(p.Flags, evidence.Flag{Name: name, Value: val, HasValue: has})
	}
	return p
}

// targets reports whether the DaemonSet schedules a pod on node (its nodeSelector matches the
// Node's labels and it tolerates the Node's NoSchedule/NoExecute taints), and why not. A
// required node affinity is not evaluated: such a DaemonSet is not assumed to target the node.
func (k *kubeProxyAPI) targets(node *nodeInfo) (bool, string) {
	if node == nil {
		return false, "the node is not among the cluster's Node objects"
	}
	spec := dig(k.ds, "spec", "template", "spec")
	if aff := dig(spec, "affinity", "nodeAffinity"); aff["requiredDuringSchedulingIgnoredDuringExecution"] != nil {
		return false, "the DaemonSet has a required node affinity, which kubeproof does not evaluate"
	}
	sel, _ := spec["nodeSelector"].(map[string]any)
	for key, want := range sel {
		if got, ok := node.labels[key]; !ok || got != want {
			return false, fmt.Sprintf("its nodeSelector %s=%v does not match the node", key, want)
		}
	}
	tols, _ := spec["tolerations"].([]any)
	for _, t := range node.taints {
		tm, _ := t.(map[string]any)
		effect, _ := tm["effect"].(string)
		if effect != "NoSchedule" && effect != "NoExecute" {
			continue
		}
		if !tolerated(tols, tm) {
			key, _ := tm["key"].(string)
			return false, fmt.Sprintf("it does not tolerate the node's taint %s:%s", key, effect)
		}
	}
	return true, ""
}

// tolerated applies the Kubernetes toleration rules to one taint.
func tolerated(tols []any, taint map[string]any) bool {
	key, _ := taint["key"].(string)
	val, _ := taint["value"].(string)
	effect, _ := taint["effect"].(string)
	for _, t := range tols {
		tm, _ := t.(map[string]any)
		tk, _ := tm["key"].(string)
		op, _ := tm["operator"].(string)
		tv, _ := tm["value"].(string)
		te, _ := tm["effect"].(string)
		if te != "" && te != effect {
			continue
		}
		switch {
		case op == "Exists" && (tk == "" || tk == key):
			return true
		case (op == "" || op == "Equal") && tk == key && tv == val:
			return true
		}
	}
	return false
}

// nodeInfo is what scheduling needs from a Node object.
type nodeInfo struct {
	labels map[string]any
	taints []any
}

func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ = m[k].(map[string]any)
	}
	return m
}

// overlayFiles serves one container path from the ConfigMap and everything else from the node.
type overlayFiles struct {
	nodeFiles
	path   string
	file   *evidence.File
	member string
}

func (o overlayFiles) lookup(p string) (*evidence.File, string, bool) {
	if p == o.path {
		return o.file, o.member, true
	}
	return o.nodeFiles.lookup(p)
}

// kubeProxyFromAPI resolves kube-proxy on node n from the cluster bundle when the node itself
// cannot show its configuration: (a) a kube-proxy process whose --config file is not on the
// node's file system but is the ConfigMap file the DaemonSet mounts at that path, or (b) no
// kube-proxy process at all on a node the DaemonSet targets. Values read from the ConfigMap
// get source "api" and the ConfigMap's member as evidence; Note says so.
func (a *assessment) kubeProxyFromAPI(n *nodeEv, cd *componentData, version string) {
	if a.cluster == nil || a.cluster.kubeProxy.ds == nil || a.cluster.kubeProxy.cm == nil || cd == nil || !n.hasProcs {
		return
	}
	k := &a.cluster.kubeProxy
	cur := n.comps[kubeProxyName]
	var p evidence.Process
	how := ""
	switch {
	case cur == nil:
		ok, why := k.targets(a.cluster.agg.nodeInfo[n.name])
		if !ok {
			n.kubeProxyNote = fmt.Sprintf("the kube-proxy DaemonSet %s/%s does not run here: %s", kubeProxyNS, kubeProxyName, why)
			return
		}
		p = k.process()
		how = fmt.Sprintf("no kube-proxy process runs on the node; the DaemonSet %s/%s targets it", kubeProxyNS, kubeProxyName)
	case cur.Process != nil && cur.Mode == modeConfigFile && len(cur.Gaps) > 0:
		p = *cur.Process
		how = "the node's kube-proxy process reads a --config file that is not on the node's file system"
	default:
		return
	}
	cfgPath := lastFlags(p.Flags)[cd.ConfigFlag].Value
	if cfgPath == "" {
		return
	}
	cfg, key, why := k.configFor(cfgPath)
	if cfg == nil {
		if cur != nil {
			cur.Gaps = append(cur.Gaps, why)
		}
		return
	}
	f := &evidence.File{Path: cfgPath, Exists: true, Type: evidence.TypeFile, Content: cfg}
	procMember := evidence.PathProcesses
	if cur == nil {
		procMember = k.dsMember
	}
	c := resolve(cd, &p, procMember, version, overlayFiles{nodeFiles: n, path: cfgPath, file: f, member: k.cmMember}, nil, "")
	if len(c.Gaps) > 0 {
		return // something else is missing: keep what the node showed
	}
	for key, v := range c.Values {
		if v.Member == k.cmMember {
			v.Source, v.File = result.SourceAPI, ""
			c.Values[key] = v
		}
	}
	c.Note = fmt.Sprintf("%s; the configuration comes from ConfigMap %s/%s (key %q), which the DaemonSet %s/%s mounts at %s, read through the API, not from the node",
		how, kubeProxyNS, kubeProxyName, key, kubeProxyNS, kubeProxyName, cfgPath)
	n.comps[kubeProxyName] = c
}
