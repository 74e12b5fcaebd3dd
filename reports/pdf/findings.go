package pdf

import (
	"fmt"
	"strings"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/view"
)

func (d *doc) findings() {
	d.chapter("Findings")
	d.para("Every recommendation of the benchmark, grouped by section, with the value that decided it, where the value came "+
		"from (flag, config file, drop-in, default, API object, file), and the bundle members it rests on (path and the first "+
		"16 hex digits of their SHA-256; the full hashes are in the appendix). Lists of offending objects are cut after "+
		fmt.Sprint(MaxObjects)+" entries; report.xlsx (sheet Findings) has every row.", 9)
	for _, sec := range view.Sections(d.r) {
		d.heading(sec.ID+"  "+sec.Title, 1, 40)
		d.font("", 8.5)
		d.gray(80)
		d.p.MultiCell(contentW, 4, printable(view.StatusCounts(d.r.Summary.BySection[sec.ID])), "", "L", false)
		d.black()
		for _, rr := range sec.Results {
			d.rule(rr)
		}
	}
}

func (d *doc) rule(rr *result.RuleResult) {
	d.need(24)
	d.p.Ln(2.5)
	d.p.SetDrawColor(210, 210, 210)
	d.p.Line(marginX, d.p.GetY(), pageW-marginX, d.p.GetY())
	d.p.Ln(1.5)
	y := d.p.GetY()
	d.p.Bookmark(printable(rr.RuleID+" "+rr.Status), 2, -1)
	d.p.SetX(marginX)
	d.badge(rr.Status, 27, 5.5)
	d.font("B", 10)
	d.p.SetXY(marginX+30, y)
	d.p.MultiCell(contentW-30, 5.5, printable(rr.RuleID+"  "+rr.Title), "", "L", false)
	d.font("", 7.5)
	d.gray(80)
	d.p.SetX(marginX + 30)
	d.p.MultiCell(contentW-30, 3.8, printable(ruleMeta(rr)), "", "L", false)
	d.black()
	d.p.Ln(0.8)
	if rr.Reason != "" {
		d.labelled("Reason:", rr.Reason, 8.5)
	}
	d.labelled("Expected:", rr.Expected, 8.5)
	if controls := view.Controls(d.r, rr); controls != "" {
		d.labelled("Controls:", controls, 8.5)
	}
	d.targets(rr)
	d.waiverNotes(rr)
	if needsRemediation(rr.Status) && rr.Remediation != "" {
		d.labelled("Remediation:", rr.Remediation, 8.5)
	}
}

func ruleMeta(rr *result.RuleResult) string {
	parts := []string{"Level " + rr.Level, rr.Assessment, "scope " + rr.Scope}
	if rr.CountSummary != "" {
		parts = append(parts, rr.CountSummary)
	} else if len(rr.Counts) > 0 {
		parts = append(parts, "targets: "+view.StatusCounts(rr.Counts))
	}
	return strings.Join(parts, " · ")
}

func needsRemediation(s string) bool {
	return s == result.Fail || s == result.Waived || s == result.Manual || s == result.NoEvidence
}

var targetColumns = []column{
	{head: "Target", width: 44}, {head: "Status", width: 23}, {head: "Actual value", width: 48},
	{head: "Source", width: 18}, {head: "Evidence (member, sha256)", width: contentW - 133, mono: true},
}

func (d *doc) targets(rr *result.RuleResult) {
	if len(rr.Targets) == 0 {
		if rr.TargetsOmitted > 0 {
			d.labelled("Targets:", fmt.Sprintf("%s objects checked, none listed because all pass.", view.Count(rr.TargetsOmitted)), 8.5)
		}
		return
	}
	d.p.Ln(1)
	shown := rr.Targets
	if len(shown) > MaxObjects && rr.Targets[0].Object != nil {
		shown = shown[:MaxObjects]
	}
	rows := make([][]cell, 0, len(shown)+1)
	for _, t := range shown {
		rows = append(rows, []cell{txt(view.Target(t)), status(t.Status), txt(actual(t)), txt(t.Source), txt(evidence(t.Evidence))})
	}
	if more := len(rr.Targets) - len(shown); more > 0 {
		grey := view.RGB{R: 0xF2, G: 0xF2, B: 0xF2}
		rows = append(rows, []cell{{text: fmt.Sprintf("… and %s more non-passing objects not shown (%s in total); the full list is in report.xlsx, sheet Findings, rule %s.",
			view.Count(more), view.Count(len(rr.Targets)), rr.RuleID), fill: &grey, bold: true, span: true}})
	}
	d.table(targetColumns, rows, 7.5, "Rule "+rr.RuleID)
}

func actual(t result.Target) string {
	a := t.Actual
	if t.Reason != "" && t.Reason != a {
		if a != "" {
			a += "\n"
		}
		a += t.Reason
	}
	if t.Underlying != "" {
		a += "\n(underlying status " + t.Underlying + ")"
	}
	return a
}

func evidence(refs []result.EvidenceRef) string {
	var lines []string
	for _, e := range refs {
		lines = append(lines, e.Member+" "+view.ShortHash(e.SHA256)+"…")
	}
	return strings.Join(lines, "\n")
}

// waiverNotes prints each distinct waiver applied to the rule's targets once.
func (d *doc) waiverNotes(rr *result.RuleResult) {
	seen := map[string]int{}
	var order []*result.AppliedWaiver
	for _, t := range rr.Targets {
		if t.Waiver == nil {
			continue
		}
		if _, ok := seen[t.Waiver.ID]; !ok {
			order = append(order, t.Waiver)
		}
		seen[t.Waiver.ID]++
	}
	for _, w := range order {
		d.labelled("Waived:", fmt.Sprintf("%s (%s) for %d target(s); approved by %s; expires %s. %s",
			w.ID, w.Category, seen[w.ID], w.Approver, w.Expires, w.Justification), 8.5)
	}
}
