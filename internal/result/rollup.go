package result

import (
	"fmt"
	"sort"
	"strings"
)

// rollupOrder ranks statuses for a roll-up: the first present wins. FAIL dominates; a PASS
// beats NOT_APPLICABLE (a rule that passes on the nodes running a component and does not
// apply to the others passes); a rule is NOT_APPLICABLE only when every target is.
var rollupOrder = []string{Fail, Error, NoEvidence, Manual, Waived, Pass, NotApplicable}

// RollUp returns the rule-level status of a set of targets (architecture.md §4), or "" for
// no targets (the caller decides what an empty set means).
func RollUp(targets []Target) string {
	counts := map[string]int{}
	for _, t := range targets {
		counts[t.Status]++
	}
	return RollUpCounts(counts)
}

// RollUpCounts is RollUp on status counts.
func RollUpCounts(counts map[string]int) string {
	for _, s := range rollupOrder {
		if counts[s] > 0 {
			return s
		}
	}
	return ""
}

// Recount recomputes r.Counts, r.Status and r.CountSummary from r.Targets (plus
// r.TargetsOmitted passing objects), e.g. after waivers changed target statuses. A rule
// with no targets at all keeps its status.
func Recount(r *RuleResult) {
	counts := map[string]int{}
	for _, t := range r.Targets {
		counts[t.Status]++
	}
	if r.TargetsOmitted > 0 {
		counts[Pass] += r.TargetsOmitted
	}
	if len(counts) == 0 {
		r.Counts = map[string]int{}
		r.CountSummary = ""
		return
	}
	r.Counts = counts
	r.Status = RollUpCounts(counts)
	r.CountSummary = CountSentence(r.Status, counts, targetNoun(r))
}

// CountSentence says how many targets have the rule-level status, e.g. "FAIL on 2 of 5
// nodes (3 PASS)".
func CountSentence(status string, counts map[string]int, noun string) string {
	total := 0
	for _, n := range counts {
		total += n
	}
	s := fmt.Sprintf("%s on %d of %d %s", status, counts[status], total, noun)
	var rest []string
	for _, st := range Statuses {
		if st != status && counts[st] > 0 {
			rest = append(rest, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	if len(rest) > 0 {
		s += " (" + strings.Join(rest, ", ") + ")"
	}
	return s
}

// targetNoun names what a rule's targets are, for CountSentence.
func targetNoun(r *RuleResult) string {
	switch r.Scope {
	case "file":
		return "files"
	case "cluster":
		return "cluster checks"
	case "object":
		switch len(r.ObjectKinds) {
		case 0: // unknown: judge by the listed targets (passing ones may be omitted)
		case 1:
			return strings.ToLower(r.ObjectKinds[0]) + " objects"
		default:
			return "objects"
		}
		kinds := map[string]bool{}
		for _, t := range r.Targets {
			if t.Object != nil {
				kinds[t.Object.Kind] = true
			}
		}
		if len(kinds) == 1 {
			for k := range kinds {
				return strings.ToLower(k) + " objects"
			}
		}
		return "objects"
	}
	return "nodes"
}

// Summarize recomputes rep.Summary from rep.Results.
func Summarize(rep *Report) {
	s := Summary{Rules: len(rep.Results), ByStatus: map[string]int{}, BySection: map[string]map[string]int{}}
	for _, r := range rep.Results {
		s.ByStatus[r.Status]++
		if s.BySection[r.Section] == nil {
			s.BySection[r.Section] = map[string]int{}
		}
		s.BySection[r.Section][r.Status]++
		if r.Assessment == "Automated" {
			s.Automated++
		} else {
			s.ManualRec++
		}
	}
	rep.Summary = s
}

// SortTargets puts targets in report order: node, component, file, object kind, namespace, name.
func SortTargets(ts []Target) {
	keys := make([]string, len(ts))
	for i := range ts {
		keys[i] = targetKey(ts[i])
	}
	sort.Stable(byKey{ts, keys})
}

type byKey struct {
	ts   []Target
	keys []string
}

func (b byKey) Len() int           { return len(b.ts) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.ts[i], b.ts[j] = b.ts[j], b.ts[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

func targetKey(t Target) string {
	k := t.Node + "\x00" + t.Component + "\x00" + t.File + "\x00"
	if t.Object != nil {
		k += t.Object.Kind + "\x00" + t.Object.Namespace + "\x00" + t.Object.Name
	}
	return k + "\x00" + t.Status + "\x00" + t.Reason
}
