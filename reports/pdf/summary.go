package pdf

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/view"
)

func (d *doc) cover() {
	d.p.AddPage()
	d.p.Bookmark("Cover", 0, -1)
	d.p.SetFillColor(0x1F, 0x38, 0x64)
	d.p.Rect(0, 0, pageW, 62, "F")
	d.p.SetTextColor(255, 255, 255)
	d.font("", 12)
	d.p.SetXY(marginX, 18)
	d.p.CellFormat(contentW, 6, "Kubernetes security benchmark assessment", "", 1, "L", false, 0, "")
	d.font("B", 24)
	d.p.SetX(marginX)
	d.p.MultiCell(contentW, 11, printable(d.cluster), "", "L", false)
	d.font("", 11)
	d.p.SetX(marginX)
	d.p.CellFormat(contentW, 6, printable(view.Benchmark(d.r)), "", 1, "L", false, 0, "")
	d.black()
	d.p.SetY(76)
	d.coverStamp()
	d.p.SetY(d.p.GetY() + 6)
	d.glance()
	d.p.SetY(d.p.GetY() + 6)
	t, _ := view.Time(d.r)
	d.kv([][2]string{
		{"Report time", t.Format("2 January 2006, 15:04 UTC")},
		{"Report ID", d.r.ReportID},
		{"Cluster", d.cluster},
		{"Kubernetes", d.r.Cluster.ServerVersion},
		{"kube-system UID", d.r.Cluster.KubeSystemUID},
		{"Assessment scope", view.Scope(d.r)},
		{"Profile", view.Profile(d.r)},
		{"Analyzer", strings.TrimSpace(d.r.Tool.Name + " " + d.r.Tool.Version + ", rule set " + d.r.Tool.RulesetVersion)},
		{"Waiver file", d.r.Waivers.File},
	}, 42, 10.5)
	d.p.SetY(250)
	d.font("", 8)
	d.gray(90)
	d.p.MultiCell(contentW, 4, "This report was generated offline from signed evidence bundles. Every finding names the bundle "+
		"members (path and SHA-256) it rests on; the appendix explains how to verify the bundles without kubeproof. "+
		"The workbook report.xlsx holds every finding row, including objects this document only counts.", "", "L", false)
	d.black()
}

// glance is a row of status tiles with the rule counts.
func (d *doc) glance() {
	w := contentW / float64(len(result.Statuses))
	y := d.p.GetY()
	for i, st := range result.Statuses {
		x := marginX + float64(i)*w
		d.fill(view.StatusColor(st))
		d.p.Rect(x+0.8, y, w-1.6, 16, "F")
		d.font("B", 15)
		d.p.SetXY(x, y+1.5)
		d.p.CellFormat(w, 8, fmt.Sprint(d.r.Summary.ByStatus[st]), "", 0, "C", false, 0, "")
		d.font("", 7.5)
		d.p.SetXY(x, y+9.5)
		d.p.CellFormat(w, 4, view.StatusLabel(st), "", 0, "C", false, 0, "")
	}
	d.p.SetY(y + 16)
}

func (d *doc) coverStamp() {
	x, y, w, h := marginX+15, d.p.GetY(), contentW-30, 34.0
	fg, bg := view.RGB{R: 0x1E, G: 0x6B, B: 0x34}, view.RGB{R: 0xE3, G: 0xF4, B: 0xE6}
	if !d.verified {
		fg, bg = view.RGB{R: 0xB0, G: 0x1C, B: 0x10}, view.RGB{R: 0xFD, G: 0xE4, B: 0xE1}
	}
	d.fill(bg)
	d.p.SetDrawColor(fg.R, fg.G, fg.B)
	d.p.SetLineWidth(1.4)
	d.p.Rect(x, y, w, h, "FD")
	d.p.SetTextColor(fg.R, fg.G, fg.B)
	d.font("B", 24)
	d.p.SetXY(x, y+5)
	d.p.CellFormat(w, 12, d.stamp, "", 2, "C", false, 0, "")
	d.font("", 9)
	d.p.SetX(x + 4)
	d.p.MultiCell(w-8, 4.5, printable(view.Verification(d.r)), "", "C", false)
	d.p.SetLineWidth(0.2)
	d.p.SetY(y + h)
	d.black()
}

func (d *doc) summary() {
	d.chapter("Executive summary")
	s := d.r.Summary
	fails := s.ByStatus[result.Fail]
	d.para(fmt.Sprintf("%d recommendations of %s were assessed (%d automated, %d manual). %d fail, %d need a manual review, "+
		"%d have no evidence and %d could not be evaluated; %d pass, %d are waived and %d do not apply to this cluster.",
		s.Rules, d.r.Benchmark, s.Automated, s.ManualRec, fails, s.ByStatus[result.Manual], s.ByStatus[result.NoEvidence],
		s.ByStatus[result.Error], s.ByStatus[result.Pass], s.ByStatus[result.Waived], s.ByStatus[result.NotApplicable]), 10)
	d.heading("Recommendations by status", 1, 70)
	d.statusChart(s)
	d.heading("Framework controls by evidence status", 1, 50)
	d.frameworkChart()
	d.heading("Results by section", 1, 40)
	d.sectionTable()
	d.warnings()
}

// statusChart is a horizontal bar chart of rule counts per status.
func (d *doc) statusChart(s result.Summary) {
	maxN := 1
	for _, st := range result.Statuses {
		maxN = max(maxN, s.ByStatus[st])
	}
	const labelW, barMax, barH, gap = 34.0, 120.0, 6.0, 2.0
	d.need(float64(len(result.Statuses))*(barH+gap) + 4)
	y := d.p.GetY() + 1
	for _, st := range result.Statuses {
		n := s.ByStatus[st]
		d.font("", 9)
		d.p.SetXY(marginX, y)
		d.p.CellFormat(labelW, barH, view.StatusLabel(st), "", 0, "R", false, 0, "")
		w := barMax * float64(n) / float64(maxN)
		if n > 0 {
			d.fill(view.ChartColor(st))
			d.p.Rect(marginX+labelW+2, y, max(w, 0.8), barH, "F")
		}
		d.font("B", 9)
		d.p.SetXY(marginX+labelW+4+w, y)
		d.p.CellFormat(20, barH, fmt.Sprint(n), "", 0, "L", false, 0, "")
		y += barH + gap
	}
	d.p.SetDrawColor(120, 120, 120)
	d.p.Line(marginX+labelW+2, d.p.GetY()-float64(len(result.Statuses))*(barH+gap)+gap, marginX+labelW+2, y-gap+1)
	d.p.SetXY(marginX, y+2)
}

var controlStatuses = []string{"evidence-fails", "partial", "no-evidence", "manual-only", "evidence-passes", "not-assessed"}

// frameworkChart draws one stacked bar per framework: its controls by evidence status.
func (d *doc) frameworkChart() {
	const labelW, barW, barH = 52.0, 110.0, 7.0
	for _, fw := range view.Frameworks(d.r) {
		counts := map[string]int{}
		for _, c := range fw.Controls {
			counts[c.Status]++
		}
		d.need(barH + 4)
		y := d.p.GetY()
		d.font("", 8.5)
		d.p.SetXY(marginX, y)
		d.p.CellFormat(labelW, barH, printable(view.Truncate(fw.Title(), 40)), "", 0, "R", false, 0, "")
		x := marginX + labelW + 2
		for _, st := range controlStatuses {
			if counts[st] == 0 || len(fw.Controls) == 0 {
				continue
			}
			w := barW * float64(counts[st]) / float64(len(fw.Controls))
			d.fill(view.StatusColor(st))
			d.p.SetDrawColor(255, 255, 255)
			d.p.Rect(x, y, w, barH, "FD")
			d.font("B", 8)
			d.p.SetXY(x, y)
			if w > 5 {
				d.p.CellFormat(w, barH, fmt.Sprint(counts[st]), "", 0, "C", false, 0, "")
			}
			x += w
		}
		d.font("", 8)
		d.p.SetXY(x+2, y)
		d.p.CellFormat(20, barH, fmt.Sprintf("%d controls", len(fw.Controls)), "", 0, "L", false, 0, "")
		d.p.SetXY(marginX, y+barH+2)
	}
	d.legend(controlStatuses)
}

func (d *doc) legend(statuses []string) {
	d.need(8)
	x, y := marginX+54, d.p.GetY()+1
	d.font("", 7.5)
	for _, st := range statuses {
		d.fill(view.StatusColor(st))
		d.p.Rect(x, y+0.8, 3, 3, "F")
		d.p.SetXY(x+3.5, y)
		w := d.p.GetStringWidth(st) + 3
		d.p.CellFormat(w, 4.6, st, "", 0, "L", false, 0, "")
		x += w + 5
	}
	d.p.SetXY(marginX, y+8)
}

func (d *doc) sectionTable() {
	cols := []column{{head: "Section", width: 16}, {head: "Title", width: 54}}
	for _, st := range result.Statuses {
		cols = append(cols, column{head: shortStatus(st), width: 15})
	}
	var rows [][]cell
	for _, sec := range view.Sections(d.r) {
		row := []cell{txt(sec.ID), txt(sec.Title)}
		for _, st := range result.Statuses {
			n := d.r.Summary.BySection[sec.ID][st]
			c := cell{text: fmt.Sprint(n)}
			if n > 0 && st != result.Pass && st != result.NotApplicable {
				col := view.StatusColor(st)
				c.fill, c.bold = &col, true
			}
			if n == 0 {
				c.text = "–"
			}
			row = append(row, c)
		}
		rows = append(rows, row)
	}
	d.table(cols, rows, 8, "Results by section")
}

func shortStatus(s string) string {
	switch s {
	case result.NoEvidence:
		return "NO EVID."
	case result.NotApplicable:
		return "N/A"
	}
	return s
}

func (d *doc) warnings() {
	if len(d.r.Warnings) == 0 {
		return
	}
	d.heading("Warnings", 1, 20)
	for _, w := range d.r.Warnings {
		d.font("", 9)
		d.p.CellFormat(4, 4.4, "•", "", 0, "L", false, 0, "")
		d.p.MultiCell(contentW-4, 4.4, printable(w), "", "L", false)
		d.p.Ln(0.8)
	}
}

func (d *doc) frameworks() {
	for _, fw := range view.Frameworks(d.r) {
		d.chapter("Framework: " + fw.Title())
		d.para(fmt.Sprintf("What the benchmark evidence says about each %s control this assessment maps to (mapping %s). "+
			"A control is \"evidence-fails\" when any supporting recommendation fails; the statuses of the supporting "+
			"recommendations follow each control, failing ones first (* marks a recommendation that only partly supports the control).", fw.Name, mappingText(d.r.Mapping)), 9)
		var rows [][]cell
		for _, c := range fw.Controls {
			rows = append(rows, []cell{txt(c.Control), txt(c.Title), status(c.Status), txt(supporting(c.Rules))})
		}
		d.table([]column{{head: "Control", width: 18}, {head: "Title", width: 58}, {head: "Evidence status", width: 28},
			{head: "Supporting recommendations by status", width: contentW - 104}}, rows, 8, fw.Title())
	}
}

// supporting lists the rules of a control grouped by status, most severe first; passing and
// not-applicable rules are counted, not listed ("*" marks partial support).
func supporting(rules []result.ControlRule) string {
	if len(rules) == 0 {
		return "none in this benchmark"
	}
	by := map[string][]string{}
	for _, cr := range rules {
		id := cr.RuleID
		if cr.Relation == "partially-supports" {
			id += "*"
		}
		by[cr.Status] = append(by[cr.Status], id)
	}
	var lines []string
	for _, st := range append(append([]string{}, result.Statuses...), otherStatuses(by)...) {
		ids := by[st]
		switch {
		case len(ids) == 0:
		case st == result.Pass || st == result.NotApplicable:
			lines = append(lines, fmt.Sprintf("%s: %d rules", st, len(ids)))
		default:
			lines = append(lines, st+": "+strings.Join(ids, ", "))
		}
	}
	return strings.Join(lines, "\n")
}

func otherStatuses(by map[string][]string) []string {
	known := map[string]bool{}
	for _, s := range result.Statuses {
		known[s] = true
	}
	var out []string
	for s := range by {
		if !known[s] {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func mappingText(m result.MappingInfo) string {
	if len(m.UserFiles) == 0 {
		return m.Builtin
	}
	return m.Builtin + " + " + strings.Join(m.UserFiles, ", ")
}
