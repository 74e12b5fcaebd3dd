package analyze

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/rules"
)

// assessment is one analysis in progress: the evidence of every bundle and the rules.
type assessment struct {
	nodes   []*nodeEv // sorted by name
	cluster *clusterEv
	budget  *rules.Budget
	workers int
}

// evalNodeRule evaluates a rule of a node scope (component, file, node, manual) on every node.
func (a *assessment) evalNodeRule(r *rules.Rule) ([]result.Target, string) {
	if len(a.nodes) == 0 {
		return nil, "no node bundle is part of this assessment"
	}
	var out []result.Target
	for _, n := range a.nodes {
		switch r.Scope {
		case rules.ScopeComponent:
			out = append(out, a.componentTarget(r, n))
		case rules.ScopeFile:
			out = append(out, a.fileTargets(r, n)...)
		case rules.ScopeNode:
			out = append(out, a.nodeTarget(r, n))
		case rules.ScopeManual:
			if r.Component != "" {
				out = append(out, a.manualTarget(r, n))
			}
		}
	}
	return out, ""
}

func (a *assessment) nodeValue(n *nodeEv) map[string]any {
	m := map[string]any{"name": n.name, "distribution": "", "kernel": "", "os_release": map[string]any{}}
	if n.host != nil {
		m["distribution"], m["kernel"] = n.host.Distribution, n.host.Kernel
		osr := map[string]any{}
		for k, v := range n.host.OSRelease {
			osr[k] = v
		}
		m["os_release"] = osr
	}
	return m
}

func (a *assessment) noProcesses(n *nodeEv) (string, bool) {
	if n.hasProcs {
		return "", false
	}
	if g, ok := n.gap(evidence.PathProcesses); ok {
		return fmt.Sprintf("the node's processes were not collected: %s (%s)", g.Kind, g.Reason), true
	}
	return "the node bundle has no process list", true
}

func absentReason(component string) string {
	return component + " does not run on this node (no process, unit or static pod manifest for it)"
}

func (a *assessment) componentTarget(r *rules.Rule, n *nodeEv) result.Target {
	t := result.Target{Node: n.name, Component: r.Component, Evidence: []result.EvidenceRef{}}
	if why, missing := a.noProcesses(n); missing {
		t.Status, t.Reason = result.NoEvidence, why
		return t
	}
	c := n.comps[r.Component]
	if c == nil {
		t.Status, t.Reason = result.NotApplicable, absentReason(r.Component)
		if r.Component == kubeProxyName && n.kubeProxyNote != "" {
			t.Reason += "; " + n.kubeProxyNote
		}
		t.Evidence = []result.EvidenceRef{n.ref(evidence.PathProcesses)}
		return t
	}
	t.Evidence = a.componentEvidence(n, c, r.Inputs)
	t.Actual, t.Source = actualOf(c, r.Inputs)
	t.Note = defaultNote(c, r.Inputs)
	if c.Note != "" {
		t.Note = strings.TrimSpace(c.Note + ". " + t.Note)
	}
	if why := unknownInputs(c, r.Inputs); why != "" {
		t.Status, t.Reason = result.NoEvidence, why
		return t
	}
	cfg, src := c.configMaps()
	v := r.Eval(&rules.Input{Config: cfg, Sources: src, Node: a.nodeValue(n)}, a.budget, true)
	applyVerdict(&t, v)
	if len(c.Ignored) > 0 {
		for _, k := range r.Inputs {
			if iv, ok := c.Ignored[k]; ok {
				t.Message = strings.TrimSpace(t.Message + fmt.Sprintf(" (flag value %q for %s is ignored because --config is set)", iv.Value, k))
			}
		}
	}
	return t
}

// unknownInputs explains why an input of the rule cannot be known, or "".
func unknownInputs(c *Component, inputs []string) string {
	if len(c.Gaps) == 0 {
		return ""
	}
	if len(inputs) == 0 {
		return "part of the configuration could not be read: " + strings.Join(c.Gaps, "; ")
	}
	for _, k := range inputs {
		if !c.decided(k) {
			return fmt.Sprintf("%s is not set by a flag and %s", k, strings.Join(c.Gaps, "; "))
		}
	}
	return ""
}

// defaultNote says which documented default decided the first input, when one did.
func defaultNote(c *Component, inputs []string) string {
	if len(inputs) == 0 {
		return ""
	}
	v, ok := c.Values[inputs[0]]
	if !ok || v.Source != result.SourceDefault {
		return ""
	}
	if v.Distro != "" {
		return distroNote(c, inputs[0], v)
	}
	mode := ""
	switch c.Mode {
	case modeConfigFile:
		mode = " when run with --config"
	case modeFlagsOnly:
		mode = " when run without --config"
	}
	return fmt.Sprintf("%s is set by no flag or file; %s defaults it to %q%s (%s)", inputs[0], c.Name, v.Value, mode, v.Cite)
}

func actualOf(c *Component, inputs []string) (string, string) {
	if len(inputs) == 0 {
		return "", ""
	}
	v, ok := c.Values[inputs[0]]
	if !ok {
		return "(not set)", result.SourceDefault
	}
	return v.Value, v.Source
}

// componentEvidence lists the members the inputs' values rest on: the member of each value,
// and for a default every member consulted (which shows the key was not set there).
func (a *assessment) componentEvidence(n *nodeEv, c *Component, inputs []string) []result.EvidenceRef {
	seen := map[string]bool{}
	var members []string
	add := func(m string) {
		if m != "" && !seen[m] {
			seen[m] = true
			members = append(members, m)
		}
	}
	for _, k := range inputs {
		if v, ok := c.Values[k]; ok && v.Member != "" {
			add(v.Member)
			continue
		}
		for _, m := range c.Consulted {
			add(m)
		}
	}
	if len(inputs) == 0 {
		for _, m := range c.Consulted {
			add(m)
		}
	}
	if a.cluster == nil {
		return refs(n.loaded, members)
	}
	var own, api []string // members of the cluster bundle (kube-proxy from its ConfigMap)
	for _, m := range members {
		if _, ok := a.cluster.members[m]; ok && strings.HasPrefix(m, evidence.PrefixObjects) {
			api = append(api, m)
		} else {
			own = append(own, m)
		}
	}
	return append(refs(n.loaded, own), refs(a.cluster.loaded, api)...)
}

func refs(l *loaded, members []string) []result.EvidenceRef {
	sort.Strings(members)
	out := make([]result.EvidenceRef, 0, len(members))
	for _, m := range members {
		out = append(out, l.ref(m))
	}
	return out
}

func applyVerdict(t *result.Target, v rules.Verdict) {
	t.Status, t.Message = v.Status, v.Message
	if v.Err != nil {
		t.Reason = v.Err.Error()
	}
}

func (a *assessment) manualTarget(r *rules.Rule, n *nodeEv) result.Target {
	t := result.Target{Node: n.name, Component: r.Component, Status: result.Manual, Reason: r.ManualReason, Evidence: []result.EvidenceRef{}}
	c := n.comps[r.Component]
	if c == nil {
		t.Status, t.Reason = result.NotApplicable, absentReason(r.Component)
		return t
	}
	t.Actual, t.Source = actualOf(c, r.Inputs)
	t.Evidence = a.componentEvidence(n, c, r.Inputs)
	return t
}

func (a *assessment) nodeTarget(r *rules.Rule, n *nodeEv) result.Target {
	t := result.Target{Node: n.name, Source: result.SourceFile, Evidence: []result.EvidenceRef{}}
	if n.host == nil {
		t.Status, t.Reason = result.NoEvidence, "the node bundle has no host facts"
		return t
	}
	t.Evidence = []result.EvidenceRef{n.ref(evidence.PathHost)}
	v := r.Eval(&rules.Input{Node: a.nodeValue(n)}, a.budget, true)
	applyVerdict(&t, v)
	t.Actual = v.Message
	return t
}

// fileTargets gives one target per selected file on node n.
func (a *assessment) fileTargets(r *rules.Rule, n *nodeEv) []result.Target {
	base := result.Target{Node: n.name, Component: r.Component, Source: result.SourceFile, Evidence: []result.EvidenceRef{}}
	if why, missing := a.noProcesses(n); missing && r.Component != "" {
		base.Status, base.Reason = result.NoEvidence, why
		return []result.Target{base}
	}
	if r.Component != "" && n.comps[r.Component] == nil {
		base.Status, base.Reason = result.NotApplicable, absentReason(r.Component)
		return []result.Target{base}
	}
	paths, reasons := a.selectFiles(r, n)
	if len(paths) == 0 {
		base.Status = result.NotApplicable
		base.Reason = strings.Join(reasons, "; ")
		if base.Reason == "" {
			base.Reason = "no file of this kind on the node"
		}
		return []result.Target{base}
	}
	var out []result.Target
	for _, p := range paths {
		t := base
		t.File = p
		a.evalFile(r, n, p, &t)
		out = append(out, t)
	}
	return out
}

// selectFiles returns the host paths a file rule judges on node n (sorted, unique), and why
// a selector chose nothing.
func (a *assessment) selectFiles(r *rules.Rule, n *nodeEv) ([]string, []string) {
	seen := map[string]bool{}
	var paths, reasons []string
	for _, sel := range r.Files {
		if sel.Role != "" {
			if len(n.roles[sel.Role]) == 0 {
				// a static pod manifest the process evidence names is judged even when the
				// file itself was not collected (it is then NO_EVIDENCE, never skipped)
				if comp, ok := strings.CutSuffix(sel.Role, ".manifest"); ok && n.manifests[comp] != "" {
					if p := n.manifests[comp]; !seen[p] {
						seen[p] = true
						paths = append(paths, p)
					}
					continue
				}
				reasons = append(reasons, fmt.Sprintf("the collector found no %s file on this node", sel.Role))
			}
			for _, p := range n.roles[sel.Role] {
				if !seen[p] {
					seen[p] = true
					paths = append(paths, p)
				}
			}
			continue
		}
		comp, key := sel.SettingParts()
		c := n.comps[comp]
		if c == nil {
			reasons = append(reasons, absentReason(comp))
			continue
		}
		v, ok := c.Values[key]
		if !ok || v.Value == "" {
			reasons = append(reasons, fmt.Sprintf("%s does not set %s", comp, key))
			continue
		}
		if !seen[v.Value] {
			seen[v.Value] = true
			paths = append(paths, v.Value)
		}
	}
	sort.Strings(paths)
	return paths, reasons
}

func (a *assessment) evalFile(r *rules.Rule, n *nodeEv, p string, t *result.Target) {
	f, member, ok := n.lookup(p)
	if !ok {
		t.Status = result.NoEvidence
		if g, isGap := n.gap(p); isGap {
			t.Reason = fmt.Sprintf("%s was not collected: %s (%s)", p, g.Kind, g.Reason)
		} else {
			t.Reason = p + " is not in the bundle"
		}
		return
	}
	t.Evidence = []result.EvidenceRef{n.ref(member)}
	if f.Error != "" {
		t.Status, t.Reason = result.NoEvidence, fmt.Sprintf("%s could not be read: %s", p, f.Error)
		return
	}
	if !f.Exists {
		t.Status, t.Reason = result.NotApplicable, p+" does not exist on the node"
		return
	}
	v := r.Eval(&rules.Input{File: fileValue(f), Node: a.nodeValue(n)}, a.budget, true)
	applyVerdict(t, v)
	t.Actual = v.Message
	if t.Actual == "" {
		t.Actual = fmt.Sprintf("mode %04o, owner %s:%s", f.Mode, nameOr(f.Owner, f.UID), nameOr(f.Group, f.GID))
	}
}

func nameOr(name string, id int) string {
	if name != "" {
		return name
	}
	return fmt.Sprint(id)
}

// fileValue is the `file` CEL variable for f (docs/rules.md).
func fileValue(f *evidence.File) map[string]any {
	entries := make([]any, len(f.Entries))
	for i, e := range f.Entries {
		entries[i] = e
	}
	return map[string]any{
		"path": f.Path, "exists": f.Exists, "type": f.Type, "mode": int64(f.Mode),
		"uid": int64(f.UID), "gid": int64(f.GID), "owner": f.Owner, "group": f.Group,
		"size": f.Size, "format": f.Format, "content": f.Content, "entries": entries,
	}
}

// evalClusterRule evaluates a cluster-scope rule once.
func (a *assessment) evalClusterRule(r *rules.Rule) ([]result.Target, string) {
	if a.cluster == nil {
		return nil, "no cluster bundle is part of this assessment"
	}
	t := result.Target{Source: result.SourceAPI, Evidence: []result.EvidenceRef{}}
	if why := a.aggregateGap(r); why != "" {
		t.Status, t.Reason = result.NoEvidence, why
		return []result.Target{t}, ""
	}
	t.Evidence = a.aggregateEvidence(r)
	v := r.Eval(&rules.Input{Cluster: a.cluster.value()}, a.budget, true)
	applyVerdict(&t, v)
	t.Actual = v.Message
	return []result.Target{t}, ""
}
