package xlsx

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/view"
)

// findingColumns are the fixed columns of the Findings sheet; one column per framework follows.
var findingColumns = []struct {
	name  string
	width float64
}{
	{"Rule ID", 9}, {"Title", 48}, {"Section", 9}, {"Level", 7}, {"Assessment", 12},
	{"Rule status", 15}, {"Target status", 15}, {"Underlying status", 12},
	{"Node", 12}, {"Component", 22}, {"Object kind", 16}, {"Namespace", 20}, {"Object name", 30}, {"File", 40},
	{"Actual value", 40}, {"Source", 14}, {"Reason / message", 40}, {"Expected", 40}, {"Remediation", 50},
	{"Evidence bundle", 26}, {"Evidence member", 50}, {"Evidence SHA-256", 66}, {"Waiver", 40}, {"Rule targets", 28},
}

// findings streams one row per rule × listed target (one row for a rule with no target).
func (b *book) findings() error {
	if err := b.newSheet(SheetFindings); err != nil {
		return err
	}
	sw, err := b.f.NewStreamWriter(SheetFindings)
	if err != nil {
		return fmt.Errorf("sheet %q: %w", SheetFindings, err)
	}
	keys := view.ControlKeys(b.r)
	if err := b.findingsHeader(sw, keys); err != nil {
		return fmt.Errorf("sheet %q: %w", SheetFindings, err)
	}
	row := 2
	for i := range b.r.Results {
		if row, err = b.ruleRows(sw, row, &b.r.Results[i], keys); err != nil {
			return fmt.Errorf("sheet %q, rule %q: %w", SheetFindings, b.r.Results[i].RuleID, err)
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(findingColumns)+len(keys), max(row-1, 2))
	off := false
	if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: "Findings", ShowRowStripes: &off}); err != nil {
		return fmt.Errorf("sheet %q: adding the filter table: %w", SheetFindings, err)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("sheet %q: %w", SheetFindings, err)
	}
	return nil
}

func (b *book) findingsHeader(sw *excelize.StreamWriter, keys []string) error {
	head := make([]any, 0, len(findingColumns)+len(keys))
	for i, c := range findingColumns {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
		head = append(head, excelize.Cell{StyleID: b.st.header, Value: c.name})
	}
	for i, k := range keys {
		col := len(findingColumns) + i + 1
		if err := sw.SetColWidth(col, col, 24); err != nil {
			return err
		}
		head = append(head, excelize.Cell{StyleID: b.st.header, Value: "Controls: " + view.FrameworkShort(b.r, k)})
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return sw.SetRow("A1", head, excelize.RowOpts{Height: 30})
}

// ruleRows writes a rule's rows from row and returns the next free row.
func (b *book) ruleRows(sw *excelize.StreamWriter, row int, rr *result.RuleResult, keys []string) (int, error) {
	common := b.ruleCells(rr)
	controls := make([]any, len(keys))
	for i, k := range keys {
		controls[i] = text(strings.Join(rr.Controls[k], ", "))
	}
	targets := rr.Targets
	if len(targets) == 0 {
		targets = []result.Target{{Status: rr.Status, Reason: rr.Reason}}
	}
	for _, t := range targets {
		values := make([]any, 0, len(findingColumns)+len(keys))
		values = append(values, common[:5]...)
		values = append(values, b.statusCell(rr.Status))
		values = append(values, b.targetCells(t, rr)...)
		values = append(values, common[5:]...)
		values = append(values, controls...)
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(cell, values); err != nil {
			return row, err
		}
		row++
	}
	return row, nil
}

// ruleCells are the per-rule columns: the first five, then "Rule targets" at the end.
func (b *book) ruleCells(rr *result.RuleResult) []any {
	targets := rr.CountSummary
	if targets == "" {
		targets = view.StatusCounts(rr.Counts)
	}
	if rr.TargetsOmitted > 0 {
		targets += fmt.Sprintf(" (%s passing not listed)", view.Count(rr.TargetsOmitted))
	}
	return []any{text(rr.RuleID), text(rr.Title), text(rr.Section), text(rr.Level), text(rr.Assessment), text(targets)}
}

func (b *book) targetCells(t result.Target, rr *result.RuleResult) []any {
	var kind, ns, name string
	if t.Object != nil {
		kind, ns, name = t.Object.Kind, t.Object.Namespace, t.Object.Name
	}
	var bundles, members, hashes []string
	for _, e := range t.Evidence {
		bundles = append(bundles, e.Bundle)
		members = append(members, e.Member)
		hashes = append(hashes, e.SHA256)
	}
	return []any{
		b.statusCell(t.Status), b.statusCell(t.Underlying),
		text(t.Node), text(t.Component), text(kind), text(ns), text(name), text(t.File),
		text(t.Actual), text(t.Source), text(detail(t)), text(rr.Expected), text(rr.Remediation),
		text(strings.Join(bundles, "\n")), text(strings.Join(members, "\n")), text(strings.Join(hashes, "\n")),
		text(waiverText(t.Waiver)),
	}
}

func detail(t result.Target) string {
	var parts []string
	for _, p := range []string{t.Reason, t.Message} {
		if p != "" && p != t.Actual {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "; ")
}

func waiverText(w *result.AppliedWaiver) string {
	if w == nil {
		return ""
	}
	return fmt.Sprintf("%s (%s; approved by %s; expires %s): %s", w.ID, w.Category, w.Approver, w.Expires, w.Justification)
}
