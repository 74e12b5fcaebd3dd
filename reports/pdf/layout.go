package pdf

import (
	"strings"

	"github.com/kubeproof/kubeproof/reports/internal/view"
)

// need starts a new page unless h millimetres fit above the bottom margin.
func (d *doc) need(h float64) {
	if d.p.GetY()+h > bottomTrigger {
		d.p.AddPage()
	}
}

// chapter starts a new page with a level-0 bookmark and a large title.
func (d *doc) chapter(title string) {
	d.p.AddPage()
	d.font("B", 17)
	d.p.SetTextColor(0x1F, 0x38, 0x64)
	d.p.Bookmark(printable(title), 0, -1)
	d.p.CellFormat(contentW, 9, printable(title), "", 1, "L", false, 0, "")
	d.p.SetDrawColor(0x1F, 0x38, 0x64)
	d.p.SetLineWidth(0.5)
	d.p.Line(marginX, d.p.GetY(), pageW-marginX, d.p.GetY())
	d.p.Ln(4)
	d.black()
}

// heading is a level-1 (section) or level-2 (rule) heading with a bookmark.
func (d *doc) heading(title string, level int, keep float64) {
	size := map[int]float64{1: 12.5, 2: 10.5}[level]
	d.need(keep)
	d.p.Ln(2)
	d.font("B", size)
	d.p.SetTextColor(0x1F, 0x38, 0x64)
	d.p.Bookmark(printable(title), level, -1)
	d.p.MultiCell(contentW, size*0.5, printable(title), "", "L", false)
	d.p.Ln(1)
	d.black()
}

// para is wrapped body text.
func (d *doc) para(text string, size float64) {
	d.font("", size)
	d.p.MultiCell(contentW, size*0.47, printable(text), "", "L", false)
	d.p.Ln(1)
}

// labelled is "Label: text" with a bold label, wrapped at the content width.
func (d *doc) labelled(label, text string, size float64) {
	if text == "" {
		return
	}
	d.font("B", size)
	lw := d.p.GetStringWidth(label+" ") + 1
	d.p.CellFormat(lw, size*0.47, printable(label), "", 0, "L", false, 0, "")
	d.font("", size)
	d.p.MultiCell(contentW-lw, size*0.47, printable(text), "", "L", false)
}

// kv is a borderless two-column list of facts.
func (d *doc) kv(rows [][2]string, labelW, size float64) {
	for _, kv := range rows {
		if kv[1] == "" {
			continue
		}
		d.font("", size)
		lines := d.p.SplitText(printable(kv[1]), contentW-labelW)
		d.need(float64(len(lines)) * size * 0.5)
		y := d.p.GetY()
		d.font("B", size)
		d.gray(70)
		d.p.CellFormat(labelW, size*0.5, printable(kv[0]), "", 0, "L", false, 0, "")
		d.black()
		d.font("", size)
		d.p.SetXY(marginX+labelW, y)
		d.p.MultiCell(contentW-labelW, size*0.5, printable(kv[1]), "", "L", false)
	}
}

// column of a table: header, width (mm), whether cells are monospaced.
type column struct {
	head  string
	width float64
	mono  bool
}

// cell of a table; fill colours the background, bold sets the font.
type cell struct {
	text string
	fill *view.RGB
	bold bool
	fit  bool // one line, font shrunk to fit (status values)
	span bool // spans the whole row (notes such as "… and 44 more")
}

func txt(s string) cell { return cell{text: s} }

func status(s string) cell {
	c := view.StatusColor(s)
	return cell{text: s, fill: &c, bold: true, fit: true}
}

// maxCellLines caps a cell so that no row is taller than a page.
const maxCellLines = 30

// table draws rows with wrapped cells, repeating the header (after the caption cont, when
// given) after each page break.
func (d *doc) table(cols []column, rows [][]cell, size float64, cont string) {
	d.need(size*0.5*3 + 4)
	d.tableHeader(cols, size)
	for _, row := range rows {
		tcols := cols
		if len(row) == 1 && row[0].span {
			tcols = []column{{width: contentW}}
		}
		lines, h := d.rowLines(tcols, row, size)
		if d.p.GetY()+h > bottomTrigger {
			d.p.AddPage()
			if cont != "" {
				d.font("", 7.5)
				d.gray(90)
				d.p.CellFormat(contentW, 4, printable(cont+" (continued)"), "", 1, "L", false, 0, "")
				d.black()
			}
			d.tableHeader(cols, size)
		}
		d.tableRow(tcols, row, lines, h, size)
	}
	d.p.Ln(2)
}

func (d *doc) setCellFont(c column, bold bool, size float64) {
	switch {
	case c.mono:
		d.mono(size - 0.7)
	case bold:
		d.font("B", size)
	default:
		d.font("", size)
	}
}

func (d *doc) rowLines(cols []column, row []cell, size float64) ([][]string, float64) {
	lines := make([][]string, len(cols))
	n := 1
	for i, c := range cols {
		if i >= len(row) {
			continue
		}
		d.setCellFont(c, row[i].bold, size)
		if row[i].fit {
			lines[i] = []string{printable(row[i].text)}
			continue
		}
		var ls []string
		for _, para := range strings.Split(printable(row[i].text), "\n") {
			ls = append(ls, d.p.SplitText(para, c.width)...)
		}
		if len(ls) > maxCellLines {
			ls = append(ls[:maxCellLines-1], "…")
		}
		lines[i] = ls
		n = max(n, len(ls))
	}
	return lines, float64(n)*size*0.42 + 1.6
}

func (d *doc) tableHeader(cols []column, size float64) {
	d.font("B", size)
	d.p.SetFillColor(0x1F, 0x38, 0x64)
	d.p.SetTextColor(255, 255, 255)
	d.p.SetDrawColor(200, 200, 200)
	d.p.SetLineWidth(0.15)
	x, y := marginX, d.p.GetY()
	h := size*0.42 + 2.4
	for _, c := range cols {
		d.p.SetXY(x, y)
		d.p.CellFormat(c.width, h, printable(c.head), "1", 0, "L", true, 0, "")
		x += c.width
	}
	d.p.SetXY(marginX, y+h)
	d.black()
}

func (d *doc) tableRow(cols []column, row []cell, lines [][]string, h, size float64) {
	x, y := marginX, d.p.GetY()
	lh := size * 0.42
	for i, c := range cols {
		style := "D"
		if i < len(row) && row[i].fill != nil {
			d.fill(*row[i].fill)
			style = "FD"
		}
		d.p.Rect(x, y, c.width, h, style)
		if i < len(row) {
			d.setCellFont(c, row[i].bold, size)
			if row[i].fit {
				d.shrinkToFit(lines[i][0], c.width-2, size)
			}
		}
		for j, l := range lines[i] {
			d.p.SetXY(x, y+0.8+float64(j)*lh)
			d.p.CellFormat(c.width, lh, l, "", 0, "L", false, 0, "")
		}
		x += c.width
	}
	d.p.SetXY(marginX, y+h)
}

// shrinkToFit lowers the current font size until s fits in w.
func (d *doc) shrinkToFit(s string, w, size float64) {
	for sz := size; sz > 4 && d.p.GetStringWidth(s) > w; sz -= 0.25 {
		d.p.SetFontSize(sz - 0.25)
	}
}

// badge draws a coloured status label at the current position and moves right.
func (d *doc) badge(s string, w, h float64) {
	d.fill(view.StatusColor(s))
	d.font("B", 8)
	d.shrinkToFit(s, w-2, 8)
	d.p.SetDrawColor(150, 150, 150)
	d.p.CellFormat(w, h, s, "1", 0, "C", true, 0, "")
}
