package xlsx

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/view"
)

// frameworks writes one sheet per framework: a row per control with its supporting rules.
func (b *book) frameworks() error {
	for _, fw := range view.Frameworks(b.r) {
		title := fw.Title()
		if len([]rune(title)) > 31 && fw.Name != "" {
			title = fw.Name
		}
		name := b.sheetName(title)
		if err := b.newSheet(name); err != nil {
			return err
		}
		s := b.sheetWriter(name)
		s.widths(10, 52, 18, 34, 60, 30)
		s.put(b.st.header, "Control", "Title", "Evidence status", "Rules by status", "Supporting rules (status)", "Failing rules")
		for _, c := range fw.Controls {
			s.put(0, c.Control, c.Title, c.Status, view.StatusCounts(c.Counts), supporting(c.Rules), failing(c.Rules))
			s.styleCell(3, b.st.status[c.Status])
		}
		if err := b.freezeFilter(s, 6); err != nil {
			return err
		}
	}
	return nil
}

// supporting renders "1.2.1 FAIL; 1.2.16 PASS (partial)".
func supporting(rules []result.ControlRule) string {
	parts := make([]string, 0, len(rules))
	for _, cr := range rules {
		p := cr.RuleID + " " + cr.Status
		if cr.Relation != "" && cr.Relation != "supports" {
			p += " (" + cr.Relation + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

func failing(rules []result.ControlRule) string {
	var ids []string
	for _, cr := range rules {
		if cr.Status == result.Fail || cr.Status == result.Error {
			ids = append(ids, cr.RuleID)
		}
	}
	return strings.Join(ids, ", ")
}

// freezeFilter freezes the header row and puts an autofilter on a written sheet of cols columns.
func (b *book) freezeFilter(s *sheetWriter, cols int) error {
	if s.err != nil {
		return fmt.Errorf("sheet %q: %w", s.sheet, s.err)
	}
	if err := b.f.SetPanes(s.sheet, &panes); err != nil {
		return fmt.Errorf("sheet %q: %w", s.sheet, err)
	}
	last := fmt.Sprintf("%s%d", colName(cols), max(s.row-1, 2))
	if err := b.f.AutoFilter(s.sheet, "A1:"+last, nil); err != nil {
		return fmt.Errorf("sheet %q: %w", s.sheet, err)
	}
	return nil
}

func (b *book) evidence() error {
	if err := b.newSheet(SheetEvidence); err != nil {
		return err
	}
	s := b.sheetWriter(SheetEvidence)
	s.widths(28, 70, 66, 14, 12)
	s.put(b.st.header, "Bundle", "Member", "SHA-256", "Size (bytes)", "Rules citing it")
	for _, m := range view.Evidence(b.r) {
		s.put(0, m.Bundle, m.Member, m.SHA256, m.Size, m.Rules)
	}
	return b.freezeFilter(s, 5)
}

func (b *book) waivers() error {
	if err := b.newSheet(SheetWaivers); err != nil {
		return err
	}
	s := b.sheetWriter(SheetWaivers)
	s.widths(10, 14, 9, 15, 28, 60, 30, 12, 30, 10)
	s.put(b.st.header, "State", "Waiver ID", "Rule ID", "Category", "Selector", "Justification", "Approver", "Expires", "Waiver file:line", "Targets matched")
	w := b.r.Waivers
	for _, u := range w.Applied {
		b.waiverRow(s, "applied", u.WaiverRecord, u.Targets)
	}
	for _, rec := range w.Expired {
		b.waiverRow(s, "expired", rec, 0)
	}
	for _, rec := range w.Unused {
		b.waiverRow(s, "unused", rec, 0)
	}
	return b.freezeFilter(s, 10)
}

func (b *book) waiverRow(s *sheetWriter, state string, w result.WaiverRecord, targets int) {
	loc := b.r.Waivers.File
	if w.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, w.Line)
	}
	s.put(0, state, w.ID, w.RuleID, w.Category, view.Selector(w.Selector), w.Justification, w.Approver, w.Expires, loc, targets)
}

func (b *book) gaps() error {
	if err := b.newSheet(SheetGaps); err != nil {
		return err
	}
	s := b.sheetWriter(SheetGaps)
	s.widths(28, 50, 18, 70, 12)
	s.put(b.st.header, "Bundle", "Item not collected", "Kind", "Reason", "HTTP status")
	for _, bu := range b.r.Bundles {
		for _, g := range bu.Gaps {
			var code any
			if g.HTTPStatus != 0 {
				code = g.HTTPStatus
			}
			s.put(0, bu.File, g.Item, g.Kind, g.Reason, code)
		}
	}
	return b.freezeFilter(s, 5)
}

func (b *book) custody() error {
	if err := b.newSheet(SheetCustody); err != nil {
		return err
	}
	s := b.sheetWriter(SheetCustody)
	s.widths(28, 66, 9, 12, 38, 52, 14, 22, 18, 12, 42, 10, 14, 8)
	s.put(b.st.header, "Bundle file", "File SHA-256", "Scope", "Node", "Cluster (kube-system UID)", "Signer fingerprint",
		"Verification", "Collected at (UTC)", "Collector", "Collector version", "Collector revision", "Members", "Evidence bytes", "Gaps")
	for _, bu := range b.r.Bundles {
		s.put(0, bu.File, bu.SHA256, bu.Scope, bu.Node, bu.ClusterUID, bu.Signer, verifiedText(bu.Verified),
			bu.CollectedAt, bu.Collector.Name, bu.Collector.Version, bu.Collector.Revision, bu.Members, bu.Bytes, len(bu.Gaps))
		if !bu.Verified {
			s.styleCell(7, b.st.status[result.Fail])
		}
	}
	if err := b.freezeFilter(s, 14); err != nil {
		return err
	}
	s.skip()
	r := b.r
	for _, kv := range [][2]string{
		{"Overall verification", view.Verification(r)},
		{"Analyzer", strings.TrimSpace(r.Tool.Name + " " + r.Tool.Version)},
		{"Rule set", r.Tool.RulesetVersion},
		{"Control mapping", mappingText(r.Mapping)},
		{"Report ID", r.ReportID},
		{"Report time (UTC)", r.GeneratedAt},
	} {
		s.put(0, kv[0], kv[1])
		s.styleCell(1, b.st.label)
	}
	if s.err != nil {
		return fmt.Errorf("sheet %q: %w", SheetCustody, s.err)
	}
	return nil
}

var panes = excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}

func colName(n int) string {
	s, _ := excelize.ColumnNumberToName(n)
	return s
}
