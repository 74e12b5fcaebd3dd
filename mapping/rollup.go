package mapping

import (
	"sort"

	"github.com/kubeproof/kubeproof/internal/result"
)

// Evidence statuses of a control (result.ControlRollup.Status). They describe what our
// evidence says about a control, never whether the control is met. docs/mapping.md has the
// table; the first matching line wins:
const (
	// EvidenceFails: at least one supporting rule is FAIL. A failure is never offset by
	// passes, waivers or anything else.
	EvidenceFails = "evidence-fails"
	// EvidencePasses: every supporting rule that applies is PASS (at least one), and none is
	// MANUAL, NO_EVIDENCE, ERROR or WAIVED. NOT_APPLICABLE rules are left out.
	EvidencePasses = "evidence-passes"
	// EvidencePartial: some supporting rules PASS, others are MANUAL, NO_EVIDENCE, ERROR or
	// WAIVED: part of the evidence is missing, needs a person, or was waived.
	EvidencePartial = "partial"
	// EvidenceMissing: no rule passes or fails; at least one is NO_EVIDENCE or ERROR (a rule
	// that could not be evaluated gives no evidence).
	EvidenceMissing = "no-evidence"
	// EvidenceWaived: no rule passes, fails or lacks evidence; at least one is WAIVED.
	EvidenceWaived = "waived"
	// EvidenceManualOnly: every supporting rule that applies is MANUAL: a person must judge.
	EvidenceManualOnly = "manual-only"
	// EvidenceNotApplicable: every supporting rule is NOT_APPLICABLE.
	EvidenceNotApplicable = "not-applicable"
	// EvidenceNotAssessed: no supporting rule is among the results (e.g. the user's own rows
	// name rules that were not run).
	EvidenceNotAssessed = "not-assessed"
)

// EvidenceStatuses lists the evidence statuses in precedence order.
var EvidenceStatuses = []string{EvidenceFails, EvidencePasses, EvidencePartial, EvidenceMissing,
	EvidenceWaived, EvidenceManualOnly, EvidenceNotApplicable, EvidenceNotAssessed}

// Rollup returns, for every framework key, one roll-up per control that has at least one
// row, in catalog order: the supporting rules found in results (natural order of rule id)
// with their rule-level status and relation, counts of rules per status, and the evidence
// status. Rules of the mapping that are not in results are left out. Every framework key is
// present. The output depends only on the inputs, so the same results give the same JSON.
func (m *Mapping) Rollup(results []result.RuleResult) map[string][]result.ControlRollup {
	status := map[string]string{}
	for _, r := range results {
		if _, dup := status[r.RuleID]; !dup {
			status[r.RuleID] = r.Status
		}
	}
	out := map[string][]result.ControlRollup{}
	for _, f := range frameworks {
		out[f.info.Key] = m.rollupFramework(f.info.Key, status)
	}
	return out
}

func (m *Mapping) rollupFramework(fw string, status map[string]string) []result.ControlRollup {
	byControl := map[string][]result.ControlRule{}
	for k, r := range m.rows {
		if k.fw != fw {
			continue
		}
		cr := byControl[k.control]
		if st, ok := status[k.rule]; ok {
			cr = append(cr, result.ControlRule{RuleID: k.rule, Status: st, Relation: r.Relation})
		}
		byControl[k.control] = cr
	}
	ids := make([]string, 0, len(byControl))
	for id := range byControl {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return lessControl(fw, ids[i], ids[j]) })
	out := make([]result.ControlRollup, 0, len(ids))
	for _, id := range ids {
		rules := byControl[id]
		if rules == nil {
			rules = []result.ControlRule{}
		}
		sort.Slice(rules, func(i, j int) bool { return naturalLess(rules[i].RuleID, rules[j].RuleID) })
		counts := map[string]int{}
		for _, r := range rules {
			counts[r.Status]++
		}
		out = append(out, result.ControlRollup{Control: id, Title: m.Title(fw, id),
			Status: EvidenceStatus(counts), Counts: counts, Rules: rules})
	}
	return out
}

// EvidenceStatus decides a control's evidence status from the number of its supporting
// rules per rule-level status. A status other than the known ones counts as ERROR.
func EvidenceStatus(counts map[string]int) string {
	var pass, fail, manual, gap, waived, na int
	for st, n := range counts {
		switch st {
		case result.Pass:
			pass += n
		case result.Fail:
			fail += n
		case result.Manual:
			manual += n
		case result.Waived:
			waived += n
		case result.NotApplicable:
			na += n
		default: // NO_EVIDENCE, ERROR, or anything unknown: no usable evidence
			gap += n
		}
	}
	switch {
	case fail > 0:
		return EvidenceFails
	case pass > 0 && manual+gap+waived == 0:
		return EvidencePasses
	case pass > 0:
		return EvidencePartial
	case gap > 0:
		return EvidenceMissing
	case waived > 0:
		return EvidenceWaived
	case manual > 0:
		return EvidenceManualOnly
	case na > 0:
		return EvidenceNotApplicable
	}
	return EvidenceNotAssessed
}
