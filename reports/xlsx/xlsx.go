// Package xlsx renders an analysis result as an Excel workbook an auditor can filter and
// attach: Summary, Findings (one row per rule × target), one sheet per framework, Evidence,
// Waivers, Gaps and Chain of custody. It is the only package that imports excelize.
//
// The output depends only on the *result.Report: document times come from r.GeneratedAt and
// the workbook is assembled in a fixed order, so the same report gives byte-identical files.
package xlsx

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/view"
)

// Sheet names of the fixed sheets. Framework sheets are named after the framework.
const (
	SheetSummary  = "Summary"
	SheetFindings = "Findings"
	SheetEvidence = "Evidence"
	SheetWaivers  = "Waivers"
	SheetGaps     = "Gaps"
	SheetCustody  = "Chain of custody"
)

// maxCell is the longest text a spreadsheet cell holds (Excel's limit).
const maxCell = 32767

// Write renders r as an XLSX workbook to w. It returns an error, and writes nothing useful,
// when r cannot be rendered (nil, or a generated_at that is not RFC 3339).
func Write(w io.Writer, r *result.Report) error {
	if err := view.Check(r); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	f, err := newFile()
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	defer f.Close()
	b := &book{f: f, r: r}
	steps := []func() error{b.styles, b.summary, b.findings, b.frameworks, b.evidence, b.waivers, b.gaps, b.custody, b.props}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: writing workbook: %w", err)
	}
	return nil
}

type book struct {
	f       *excelize.File
	r       *result.Report
	st      styles
	sheets  []string // in workbook order
	usedTab map[string]bool
}

// newSheet adds a sheet (the first one renames the default "Sheet1").
func (b *book) newSheet(name string) error {
	if b.usedTab == nil {
		b.usedTab = map[string]bool{}
	}
	b.usedTab[strings.ToLower(name)] = true
	if len(b.sheets) == 0 {
		b.sheets = append(b.sheets, name)
		return b.f.SetSheetName("Sheet1", name)
	}
	b.sheets = append(b.sheets, name)
	_, err := b.f.NewSheet(name)
	return err
}

// sheetName makes a valid, unused sheet name (≤ 31 characters, none of []:*?/\).
func (b *book) sheetName(want string) string {
	clean := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\'`, r) {
			return '-'
		}
		return r
	}, want)
	clean = view.Truncate(strings.TrimSpace(clean), 31)
	name := clean
	for i := 2; b.usedTab[strings.ToLower(name)]; i++ {
		sfx := fmt.Sprintf(" (%d)", i)
		name = view.Truncate(clean, 31-len(sfx)) + sfx
	}
	return name
}

func (b *book) props() error {
	t, _ := view.Time(b.r)
	stamp := t.Format("2006-01-02T15:04:05Z")
	if err := b.f.SetDocProps(&excelize.DocProperties{
		Created: stamp, Modified: stamp, Creator: b.r.Tool.Name + " " + b.r.Tool.Version,
		LastModifiedBy: b.r.Tool.Name, Title: "Kubernetes benchmark assessment: " + view.ClusterName(b.r),
		Subject: view.Benchmark(b.r), Identifier: b.r.ReportID, Keywords: view.Stamp(b.r),
		Description: view.Verification(b.r), Revision: "1", Version: b.r.Tool.Version,
	}); err != nil {
		return fmt.Errorf("setting document properties: %w", err)
	}
	b.f.SetActiveSheet(0)
	return nil
}

// text makes s safe for a cell: no characters XML 1.0 forbids, at most maxCell characters.
func text(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if clean(s) && len(s) <= maxCell {
		return s
	}
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return r
		}
		if r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF) {
			return '\uFFFD'
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > maxCell {
		const note = " … [cut at the spreadsheet cell limit; the full value is in report.json]"
		s = view.Truncate(s, maxCell-utf8.RuneCountInString(note)) + note
	}
	return s
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func verifiedText(v bool) string {
	if v {
		return "verified"
	}
	return "NOT VERIFIED"
}

// clean reports whether s has no character that text must replace.
func clean(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// imageDefaults are the content-type defaults excelize adds, in map order, with the first
// chart; declaring them up front in a fixed order keeps [Content_Types].xml deterministic.
var imageDefaults = []string{"bmp", "emf", "emz", "gif", "ico", "jpeg", "png", "svg", "tiff", "wmf", "wmz"}

const contentTypesPart = "[Content_Types].xml"

// newFile is excelize.NewFile with every image content type declared in a fixed order.
func newFile() (*excelize.File, error) {
	f := excelize.NewFile()
	raw, ok := f.Pkg.Load(contentTypesPart)
	data, isBytes := raw.([]byte)
	anchor := []byte("<Default Extension=\"xml\"")
	if !ok || !isBytes || !bytes.Contains(data, anchor) {
		f.Close()
		return nil, fmt.Errorf("unexpected excelize template: %s has no xml default", contentTypesPart)
	}
	var defs bytes.Buffer
	for _, ext := range imageDefaults {
		prefix := "image/"
		switch ext {
		case "emf", "wmf", "emz", "wmz", "ico":
			prefix = "image/x-"
		}
		fmt.Fprintf(&defs, `<Default Extension="%s" ContentType="%s%s"/>`, ext, prefix, ext)
	}
	defs.Write(anchor)
	f.Pkg.Store(contentTypesPart, bytes.Replace(data, anchor, defs.Bytes(), 1))
	f.ContentTypes = nil // parsed again, with the defaults, on first use
	return f, nil
}
