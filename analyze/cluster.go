package analyze

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/evidence"
)

// clusterEv is the evidence of the cluster bundle, minus the objects themselves: those are
// streamed in a second pass (objects.go) so that a large cluster is never decoded at once.
type clusterEv struct {
	*loaded
	info      evidence.ClusterInfo
	hasInfo   bool
	resources []evidence.Resource
	byPlural  map[string][]*evidence.Resource
	byMember  map[string]*evidence.Resource
	agg       *aggregates
	kubeProxy kubeProxyAPI // the kube-proxy DaemonSet and ConfigMap (kubeproxy.go)
}

// aggregateResources are decoded in the first pass to build the `cluster` CEL variable.
var aggregateResources = map[string]bool{
	"namespaces": true, "networkpolicies": true, "serviceaccounts": true,
	"roles": true, "clusterroles": true, "nodes": true,
	"configmaps": true, "daemonsets": true, // only kube-system/kube-proxy is kept (kubeproxy.go)
}

// aggregates are the precomputed cluster facts rules see as `cluster` (docs/rules.md).
type aggregates struct {
	namespaces      map[string]bool
	netpol          map[string]bool
	serviceaccounts map[string]any
	psa             map[string]any
	roles           map[string]any
	nodes           map[string]string // node name → kubelet version
	nodeInfo        map[string]*nodeInfo
}

func newAggregates() *aggregates {
	return &aggregates{namespaces: map[string]bool{}, netpol: map[string]bool{}, serviceaccounts: map[string]any{},
		psa: map[string]any{}, roles: map[string]any{}, nodes: map[string]string{},
		nodeInfo: map[string]*nodeInfo{}}
}

// aggregateKeys maps each `cluster` key to the resources it is computed from.
var aggregateKeys = map[string][]string{
	"namespaces": {"namespaces"}, "psa": {"namespaces"}, "netpol_namespaces": {"networkpolicies"},
	"serviceaccounts": {"serviceaccounts"}, "roles": {"roles", "clusterroles"}, "nodes": {"nodes"},
}

// loadCluster runs the first pass over the cluster bundle.
func loadCluster(path string, o bundle.Options) (*clusterEv, error) {
	c := &clusterEv{byPlural: map[string][]*evidence.Resource{}, byMember: map[string]*evidence.Resource{}, agg: newAggregates()}
	lim := o.Limits
	l, err := walk(path, o, func(l *loaded, m bundle.Member, r io.Reader) error {
		switch {
		case m.Path == evidence.PathClusterInfo:
			c.hasInfo = true
			return bundle.DecodeJSON(r, &c.info, lim)
		case m.Path == evidence.PathResources:
			if err := bundle.DecodeJSON(r, &c.resources, lim); err != nil {
				return err
			}
			c.indexResources()
		case strings.HasPrefix(m.Path, evidence.PrefixObjects):
			plural := pluralOf(m.Path)
			if !aggregateResources[plural] {
				return nil
			}
			page, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			return splitLines(page, func(line []byte) error {
				obj, err := decodeObject(line, lim.MaxJSONDepth)
				if err != nil {
					return fmt.Errorf("%s: %w", m.Path, err)
				}
				c.agg.add(plural, obj)
				c.kubeProxy.note(plural, m.Path, obj)
				return nil
			})
		}
		return nil
	}, true)
	if err != nil {
		return nil, err
	}
	if l.manifest.Scope != bundle.ScopeCluster {
		return nil, &BundleError{File: l.file, Err: fmt.Errorf("scope %q, want cluster", l.manifest.Scope)}
	}
	c.loaded = l
	return c, nil
}

func (c *clusterEv) indexResources() {
	for i := range c.resources {
		r := &c.resources[i]
		c.byPlural[r.Resource] = append(c.byPlural[r.Resource], r)
		for _, m := range r.Members {
			c.byMember[m] = r
		}
	}
}

// pluralOf returns the resource of an object page member path
// (cluster/objects/<group>/<version>/<resource>/<page>.jsonl).
func pluralOf(member string) string {
	parts := strings.Split(strings.TrimPrefix(member, evidence.PrefixObjects), "/")
	if len(parts) < 4 {
		return ""
	}
	return parts[len(parts)-2]
}

// missing explains why the objects of resource plural are not all in the bundle, or "".
func (c *clusterEv) missing(plural string) string {
	rs := c.byPlural[plural]
	if len(rs) == 0 {
		if c.resources == nil {
			return "the cluster bundle has no resource inventory"
		}
		return fmt.Sprintf("%s were not collected", plural)
	}
	for _, r := range rs {
		if r.Served && !r.Complete {
			why := "not every page was collected"
			gv := r.Version
			if r.Group != "" {
				gv = r.Group + "/" + r.Version
			}
			if g, ok := c.gap(gv + "/" + r.Resource); ok {
				why = fmt.Sprintf("%s: %s", g.Kind, g.Reason)
			}
			return fmt.Sprintf("%s are incomplete (%s)", plural, why)
		}
	}
	return ""
}

func (a *aggregates) add(plural string, obj map[string]any) {
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	ns, _ := meta["namespace"].(string)
	switch plural {
	case "namespaces":
		a.namespaces[name] = true
		labels := map[string]any{}
		if l, ok := meta["labels"].(map[string]any); ok {
			for k, v := range l {
				if strings.HasPrefix(k, "pod-security.kubernetes.io/") {
					labels[k] = v
				}
			}
		}
		a.psa[name] = labels
	case "networkpolicies":
		a.netpol[ns] = true
	case "serviceaccounts":
		v := ""
		if b, ok := obj["automountServiceAccountToken"].(bool); ok {
			v = fmt.Sprint(b)
		}
		a.serviceaccounts[ns+"/"+name] = v
	case "roles":
		a.roles["Role/"+ns+"/"+name] = orEmptyList(obj["rules"])
	case "clusterroles":
		a.roles["ClusterRole/"+name] = orEmptyList(obj["rules"])
	case "nodes":
		v := ""
		if st, ok := obj["status"].(map[string]any); ok {
			if ni, ok := st["nodeInfo"].(map[string]any); ok {
				v, _ = ni["kubeletVersion"].(string)
			}
		}
		a.nodes[name] = v
		labels, _ := meta["labels"].(map[string]any)
		taints, _ := dig(obj, "spec")["taints"].([]any)
		a.nodeInfo[name] = &nodeInfo{labels: labels, taints: taints}
	}
}

func orEmptyList(v any) any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{}
}

// value builds the `cluster` variable; keys whose resources are missing are left out.
func (c *clusterEv) value() map[string]any {
	a := c.agg
	m := map[string]any{"server_version": c.info.ServerVersion}
	put := func(key string, v any) {
		for _, res := range aggregateKeys[key] {
			if c.missing(res) != "" {
				return
			}
		}
		m[key] = v
	}
	put("namespaces", sortedKeys(a.namespaces))
	put("netpol_namespaces", sortedKeys(a.netpol))
	put("serviceaccounts", a.serviceaccounts)
	put("psa", a.psa)
	put("roles", a.roles)
	nodes := make([]any, 0, len(a.nodes))
	for _, n := range sortedKeys(toBoolSet(a.nodes)) {
		nodes = append(nodes, n)
	}
	put("nodes", nodes)
	return m
}

func toBoolSet(m map[string]string) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedKeys(m map[string]bool) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}

// decodeObject decodes one API object line, refusing nesting deeper than maxDepth, and
// returns it in CEL form (integers as int64, managedFields dropped).
func decodeObject(line []byte, maxDepth int) (map[string]any, error) {
	if maxDepth <= 0 {
		maxDepth = bundle.DefaultMaxJSONDepth
	}
	if d := jsonDepth(line); d > maxDepth {
		return nil, fmt.Errorf("object nests %d deep, more than the limit %d", d, maxDepth)
	}
	var obj map[string]any
	if err := json.Unmarshal(line, &obj); err != nil {
		return nil, fmt.Errorf("invalid object: %w", err)
	}
	if meta, ok := obj["metadata"].(map[string]any); ok {
		delete(meta, "managedFields")
	}
	normalizeJSON(obj)
	return obj, nil
}

// jsonDepth returns the deepest nesting of arrays and objects in b (strings skipped).
func jsonDepth(b []byte) int {
	depth, max, inStr, esc := 0, 0, false, false
	for _, c := range b {
		switch {
		case inStr:
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				max = depth
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return max
}
