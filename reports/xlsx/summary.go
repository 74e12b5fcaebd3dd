package xlsx

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/view"
)

// sheetWriter writes rows of a normal (non-streamed) sheet from the top.
type sheetWriter struct {
	b     *book
	sheet string
	row   int
	err   error
}

func (b *book) sheetWriter(name string) *sheetWriter { return &sheetWriter{b: b, sheet: name, row: 1} }

// put writes one row starting in column A and moves down; style applies to the whole row.
func (s *sheetWriter) put(style int, values ...any) {
	if s.err != nil {
		return
	}
	for i, v := range values {
		if str, ok := v.(string); ok {
			values[i] = text(str)
		}
	}
	first := fmt.Sprintf("A%d", s.row)
	if s.err = s.b.f.SetSheetRow(s.sheet, first, &values); s.err == nil && style != 0 && len(values) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(values), s.row)
		s.err = s.b.f.SetCellStyle(s.sheet, first, last, style)
	}
	s.row++
}

// styleCell styles one cell of the previous row (col is 1-based).
func (s *sheetWriter) styleCell(col, style int) {
	if s.err != nil || style == 0 {
		return
	}
	cell, _ := excelize.CoordinatesToCellName(col, s.row-1)
	s.err = s.b.f.SetCellStyle(s.sheet, cell, cell, style)
}

func (s *sheetWriter) skip() { s.row++ }

func (s *sheetWriter) widths(ws ...float64) {
	for i, w := range ws {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if s.err == nil {
			s.err = s.b.f.SetColWidth(s.sheet, col, col, w)
		}
	}
}

func (b *book) summary() error {
	if err := b.newSheet(SheetSummary); err != nil {
		return err
	}
	s := b.sheetWriter(SheetSummary)
	s.widths(26, 16, 12, 12, 12, 12, 12, 14, 12, 10, 10)
	s.put(b.st.title, "Kubernetes benchmark assessment — "+view.ClusterName(b.r))
	s.put(b.stampStyle(), view.Stamp(b.r))
	s.skip()
	for _, kv := range b.facts() {
		s.put(0, kv[0], kv[1])
		s.styleCell(1, b.st.label)
	}
	s.skip()
	chartFirst := b.statusTable(s)
	s.row = chartFirst + chartRows // the chart sits beside the status table; keep clear of it
	b.sectionTable(s)
	s.skip()
	b.nodeTable(s)
	b.warningList(s)
	if s.err != nil {
		return fmt.Errorf("sheet %q: %w", SheetSummary, s.err)
	}
	return b.statusChart(chartFirst)
}

func (b *book) stampStyle() int {
	if view.Stamp(b.r) == "VERIFIED EVIDENCE" {
		return b.st.stamp
	}
	return b.st.stampBad
}

// facts are the assessment's identifying facts, label → value.
func (b *book) facts() [][2]string {
	r := b.r
	waivers := r.Waivers.File
	if waivers == "" {
		waivers = "(none)"
	}
	return [][2]string{
		{"Report ID", r.ReportID},
		{"Report time (UTC)", r.GeneratedAt},
		{"Cluster", view.ClusterName(r)},
		{"kube-system UID", r.Cluster.KubeSystemUID},
		{"Kubernetes version", r.Cluster.ServerVersion},
		{"Benchmark", view.Benchmark(r)},
		{"Profile", view.Profile(r)},
		{"Assessment scope", view.Scope(r)},
		{"Verification", view.Verification(r)},
		{"Analyzer", strings.TrimSpace(r.Tool.Name + " " + r.Tool.Version)},
		{"Rule set", r.Tool.RulesetVersion},
		{"Control mapping", mappingText(r.Mapping)},
		{"Waiver file", waivers},
		{"Recommendations", fmt.Sprintf("%d (%d automated, %d manual)", r.Summary.Rules, r.Summary.Automated, r.Summary.ManualRec)},
	}
}

func mappingText(m result.MappingInfo) string {
	if len(m.UserFiles) == 0 {
		return m.Builtin
	}
	return m.Builtin + " + " + strings.Join(m.UserFiles, ", ")
}

// statusTable writes rule counts by status and returns the first data row (for the chart).
func (b *book) statusTable(s *sheetWriter) int {
	s.put(b.st.header, "Status", "Recommendations")
	first := s.row
	for _, st := range result.Statuses {
		s.put(0, st, b.r.Summary.ByStatus[st])
		s.styleCell(1, b.st.status[st])
	}
	s.put(b.st.label, "Total", b.r.Summary.Rules)
	return first
}

func (b *book) sectionTable(s *sheetWriter) {
	head := []any{"Section", "Title"}
	for _, st := range result.Statuses {
		head = append(head, st)
	}
	s.put(b.st.header, append(head, "Total")...)
	for _, sec := range view.Sections(b.r) {
		row := []any{sec.ID, sec.Title}
		total := 0
		for _, st := range result.Statuses {
			n := b.r.Summary.BySection[sec.ID][st]
			total += n
			row = append(row, n)
		}
		s.put(0, append(row, total)...)
	}
}

func (b *book) nodeTable(s *sheetWriter) {
	s.put(b.st.header, "Node", "Roles", "Node bundle", "Listed by cluster", "Distribution")
	for _, n := range b.r.Nodes {
		bundle := n.Bundle
		if bundle == "" {
			bundle = "(none: node not assessed)"
		}
		s.put(0, n.Name, strings.Join(n.Roles, ", "), bundle, yesNo(n.InCluster), n.Distribution)
	}
}

func (b *book) warningList(s *sheetWriter) {
	if len(b.r.Warnings) == 0 {
		return
	}
	s.skip()
	s.put(b.st.header, "Warnings")
	for _, w := range b.r.Warnings {
		s.put(0, w)
	}
}

// chartRows is how many rows the status chart covers (rows are 20 px high).
const chartRows = 15

func (b *book) statusChart(first int) error {
	last := first + len(result.Statuses) - 1
	var points []excelize.ChartDataPoint
	for i, st := range result.Statuses {
		points = append(points, excelize.ChartDataPoint{Index: i, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{view.ChartColor(st).Hex()}}})
	}
	sheet := "'" + SheetSummary + "'!"
	anchor := fmt.Sprintf("D%d", first-1)
	err := b.f.AddChart(SheetSummary, anchor, &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Name:       sheet + fmt.Sprintf("$B$%d", first-1),
			Categories: sheet + fmt.Sprintf("$A$%d:$A$%d", first, last),
			Values:     sheet + fmt.Sprintf("$B$%d:$B$%d", first, last),
			DataPoint:  points,
		}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Recommendations by status"}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		Format:    excelize.GraphicOptions{OffsetX: 10},
		Dimension: excelize.ChartDimension{Width: 520, Height: 15 * chartRows},
	})
	if err != nil {
		return fmt.Errorf("adding the status chart: %w", err)
	}
	return nil
}
