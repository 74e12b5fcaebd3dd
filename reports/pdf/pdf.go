// Package pdf renders an analysis result as a PDF report for auditors: a cover page with a
// VERIFIED or UNVERIFIED EVIDENCE stamp, an executive summary with charts, one control table
// per framework, the findings grouped by section (actual values, evidence, remediation),
// waivers, and an appendix with the chain of custody and how to verify the bundles without
// kubeproof. It is the only package that imports gofpdf.
//
// Text is set in the Go fonts (golang.org/x/image/font/gofont), embedded as UTF-8 TrueType
// subsets. They cover Latin, Greek and Cyrillic; characters they lack (CJK, emoji) are shown as
// their code points, e.g. "<U+652F U+4ED8>-api", and the XLSX keeps the exact text.
//
// The output depends only on the *result.Report: document dates come from r.GeneratedAt and
// resource catalogs are sorted, so the same report gives byte-identical files.
package pdf

import (
	"bytes"
	"fmt"
	"io"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/view"
)

// MaxObjects is how many offending objects a rule lists in the PDF; the rest are counted and
// listed in the XLSX.
const MaxObjects = 15

// Page geometry in millimetres (A4 portrait).
const (
	pageW, pageH  = 210.0, 297.0
	marginX       = 15.0
	marginTop     = 20.0
	marginBottom  = 18.0
	contentW      = pageW - 2*marginX
	fontSans      = "go"
	fontMono      = "gomono"
	pagesAlias    = "{nb}"
	bottomTrigger = pageH - marginBottom
)

// Write renders r as a PDF document to w. It returns an error when r cannot be rendered
// (nil, or a generated_at that is not RFC 3339) or the PDF library fails.
func Write(w io.Writer, r *result.Report) error {
	if err := view.Check(r); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	d := newDoc(r)
	d.cover()
	d.summary()
	d.frameworks()
	d.findings()
	d.waivers()
	d.appendix()
	if err := d.p.Error(); err != nil {
		return fmt.Errorf("pdf: rendering: %w", err)
	}
	if err := d.p.Output(w); err != nil {
		return fmt.Errorf("pdf: writing: %w", err)
	}
	return nil
}

type doc struct {
	p        *gofpdf.Fpdf
	r        *result.Report
	stamp    string
	verified bool
	cluster  string
}

func newDoc(r *result.Report) *doc {
	t, _ := view.Time(r)
	p := gofpdf.New("P", "mm", "A4", "")
	p.SetCatalogSort(true)
	p.SetCompression(true)
	p.SetCreationDate(t)
	p.SetModificationDate(t)
	p.AddUTF8FontFromBytes(fontSans, "", bytes.Clone(goregular.TTF))
	p.AddUTF8FontFromBytes(fontSans, "B", bytes.Clone(gobold.TTF))
	p.AddUTF8FontFromBytes(fontMono, "", bytes.Clone(gomono.TTF))
	d := &doc{p: p, r: r, stamp: view.Stamp(r), cluster: view.ClusterName(r)}
	d.verified = d.stamp == "VERIFIED EVIDENCE"
	p.SetTitle(printable("Kubernetes benchmark assessment: "+d.cluster), true)
	p.SetSubject(printable(view.Benchmark(r)+" — "+d.stamp), true)
	p.SetAuthor(printable(r.Tool.Name+" "+r.Tool.Version), true)
	p.SetCreator(printable(r.Tool.Name+" "+r.Tool.Version), true)
	p.SetProducer(printable(r.Tool.Name+" "+r.Tool.Version+" (gofpdf)"), true)
	p.SetKeywords(printable("report "+r.ReportID+" "+r.Benchmark), true)
	p.SetMargins(marginX, marginTop, marginX)
	p.SetAutoPageBreak(true, marginBottom)
	p.AliasNbPages(pagesAlias)
	p.SetHeaderFuncMode(d.header, true)
	p.SetFooterFunc(d.footer)
	return d
}

func (d *doc) header() {
	if d.p.PageNo() == 1 {
		return
	}
	d.font("", 7.5)
	d.gray(90)
	d.p.SetXY(marginX, 9)
	d.p.CellFormat(contentW/2, 4, printable("kubeproof assessment · "+d.cluster), "", 0, "L", false, 0, "")
	d.p.CellFormat(contentW/2, 4, printable("Report "+d.r.ReportID), "", 0, "R", false, 0, "")
	d.p.SetDrawColor(180, 180, 180)
	d.p.SetLineWidth(0.2)
	d.p.Line(marginX, 14, pageW-marginX, 14)
	d.p.SetXY(marginX, marginTop)
	d.black()
}

func (d *doc) footer() {
	d.p.SetY(-12)
	d.font("B", 7.5)
	if d.verified {
		d.p.SetTextColor(0x1E, 0x6B, 0x34)
	} else {
		d.p.SetTextColor(0xB0, 0x1C, 0x10)
	}
	d.p.CellFormat(contentW/3, 4, d.stamp, "", 0, "L", false, 0, "")
	d.font("", 7.5)
	d.gray(90)
	d.p.CellFormat(contentW/3, 4, fmt.Sprintf("Page %d of %s", d.p.PageNo(), pagesAlias), "", 0, "C", false, 0, "")
	d.p.CellFormat(contentW/3, 4, printable("Report time "+d.r.GeneratedAt), "", 0, "R", false, 0, "")
	d.black()
}

func (d *doc) font(style string, size float64) { d.p.SetFont(fontSans, style, size) }
func (d *doc) mono(size float64)               { d.p.SetFont(fontMono, "", size) }
func (d *doc) gray(v int)                      { d.p.SetTextColor(v, v, v) }
func (d *doc) black()                          { d.p.SetTextColor(20, 20, 20) }
func (d *doc) fill(c view.RGB)                 { d.p.SetFillColor(c.R, c.G, c.B) }
