package analyze

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/rules"
)

// evaluate computes one RuleResult per rule, in benchmark order: node-scope rules in
// parallel over rules, object rules in one streaming pass over the cluster's objects.
func (a *assessment) evaluate(rs []*rules.Rule, o Options, bo bundle.Options) ([]result.RuleResult, error) {
	out := make([]result.RuleResult, len(rs))
	var objRules []*rules.Rule
	objIdx := map[string]int{}
	for i, r := range rs {
		out[i] = newResult(r)
		if o.Profile != nil {
			if why, na := o.Profile.NotApplicable(r.ID); na {
				out[i].Status, out[i].Reason = result.NotApplicable, why
				continue
			}
		}
		if r.Scope == rules.ScopeObject {
			objRules = append(objRules, r)
			objIdx[r.ID] = i
			out[i].Status = "" // filled below
		}
	}
	parallel(len(rs), a.workers, func(i int) {
		r := rs[i]
		if out[i].Status == result.NotApplicable || r.Scope == rules.ScopeObject {
			return
		}
		a.evalOne(r, &out[i])
	})
	accs, skip, err := a.evalObjectRules(objRules, bo)
	if err != nil {
		return nil, err
	}
	for _, r := range objRules {
		rr := &out[objIdx[r.ID]]
		if why, ok := skip[r.ID]; ok {
			rr.Status, rr.Reason = result.NoEvidence, why
			continue
		}
		acc := accs[r.ID]
		rr.Targets = acc.targets
		rr.TargetsOmitted = acc.counts[result.Pass]
		rr.ObjectKinds = acc.sortedKinds()
		result.SortTargets(rr.Targets)
		finalize(rr)
		if len(acc.counts) == 0 {
			rr.Status, rr.CountSummary = result.Pass, fmt.Sprintf("no %s in the cluster", strings.Join(r.Resources, " or "))
		}
	}
	return out, nil
}

func newResult(r *rules.Rule) result.RuleResult {
	return result.RuleResult{
		RuleID: r.ID, Title: r.Title, Section: r.Section, SectionTitle: r.SectionTitle, Level: r.Level,
		Assessment: r.AssessmentTitle(), Scope: r.Scope, Expected: r.Expect, Remediation: r.Remediation,
		Counts: map[string]int{}, Targets: []result.Target{}, Controls: map[string][]string{},
	}
}

func (a *assessment) evalOne(r *rules.Rule, rr *result.RuleResult) {
	var ts []result.Target
	var why string
	switch r.Scope {
	case rules.ScopeCluster:
		ts, why = a.evalClusterRule(r)
	case rules.ScopeManual:
		ts, why = a.evalNodeRule(r)
		if r.Component == "" {
			ts, why = nil, ""
		}
	default:
		ts, why = a.evalNodeRule(r)
	}
	if len(ts) == 0 {
		rr.Status, rr.Reason = result.NoEvidence, why
		if r.Scope == rules.ScopeManual {
			rr.Status, rr.Reason = result.Manual, r.ManualReason
		}
		return
	}
	result.SortTargets(ts)
	rr.Targets = ts
	finalize(rr)
}

// finalize rolls targets up and gives a non-passing rule-level status its most common reason.
func finalize(rr *result.RuleResult) {
	result.Recount(rr)
	if rr.Status == result.Pass || rr.Status == result.Fail {
		return
	}
	n := map[string]int{}
	for _, t := range rr.Targets {
		if t.Status == rr.Status && t.Reason != "" {
			n[t.Reason]++
		}
	}
	best := ""
	for r, c := range n {
		if best == "" || c > n[best] || (c == n[best] && r < best) {
			best = r
		}
	}
	rr.Reason = best
}

// warnings finds nodes without a node bundle, node bundles the cluster does not list, and
// nodes whose settings disagree.
func (a *assessment) warnings(rep *result.Report) []string {
	var w []string
	if a.cluster != nil && a.cluster.missing("nodes") == "" {
		for _, n := range rep.Nodes {
			switch {
			case n.InCluster && n.Bundle == "":
				w = append(w, fmt.Sprintf("node %q is listed by the cluster but no node bundle covers it: its node-level recommendations are not assessed", n.Name))
			case !n.InCluster && n.Bundle != "":
				w = append(w, fmt.Sprintf("node bundle %q covers node %q, which the cluster bundle does not list", n.Bundle, n.Name))
			}
		}
	}
	return append(w, disagreements(rep.Results)...)
}

// disagreements reports each component setting whose value differs between nodes.
func disagreements(results []result.RuleResult) []string {
	seen := map[string]bool{}
	var w []string
	for _, r := range results {
		if r.Scope != rules.ScopeComponent {
			continue
		}
		values := map[string][]string{}
		comp := ""
		for _, t := range r.Targets {
			if t.Status == result.NotApplicable || t.Status == result.NoEvidence || t.Actual == "" {
				continue
			}
			comp = t.Component
			values[t.Actual] = append(values[t.Actual], t.Node)
		}
		if len(values) < 2 {
			continue
		}
		key := comp + "\x00" + r.RuleID
		if seen[key] {
			continue
		}
		seen[key] = true
		var parts []string
		for _, v := range sortedStrings(values) {
			ns := values[v]
			sort.Strings(ns)
			parts = append(parts, fmt.Sprintf("%q on %s", v, nodesText(ns)))
		}
		w = append(w, fmt.Sprintf("%s settings differ between nodes (rule %s): %s", comp, r.RuleID, strings.Join(parts, "; ")))
	}
	return w
}

func sortedStrings(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func nodesText(ns []string) string {
	if len(ns) > 5 {
		return fmt.Sprintf("%d nodes (%s, …)", len(ns), strings.Join(ns[:5], ", "))
	}
	return strings.Join(ns, ", ")
}
