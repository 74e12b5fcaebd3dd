package xlsx

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/view"
)

type styles struct {
	title, header, label, wrap, stamp, stampBad, note int
	status                                            map[string]int
}

// frameworkStatuses are the evidence statuses of framework roll-ups that get a colour.
var frameworkStatuses = []string{"evidence-fails", "evidence-passes", "partial", "manual-only", "no-evidence", "not-assessed"}

func (b *book) styles() error {
	var err error
	add := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = b.f.NewStyle(s)
		return id
	}
	border := []excelize.Border{{Type: "bottom", Color: "1F3864", Style: 1}}
	b.st.title = add(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16, Color: "1F3864"}})
	b.st.header = add(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F3864"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	b.st.label = add(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top"}})
	b.st.wrap = add(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	b.st.note = add(&excelize.Style{Font: &excelize.Font{Italic: true, Color: "555555"}})
	b.st.stamp = add(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "1E6B34", Size: 12},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"C6EFCE"}}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	b.st.stampBad = add(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "9C0006", Size: 12},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	b.st.status = map[string]int{}
	for _, s := range append(append([]string{}, result.Statuses...), frameworkStatuses...) {
		b.st.status[s] = add(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{view.StatusColor(s).Hex()}},
			Font: &excelize.Font{Bold: s == result.Fail || s == "evidence-fails"}})
	}
	if err != nil {
		return fmt.Errorf("creating cell styles: %w", err)
	}
	return nil
}

// statusCell is a status value with its colour (unknown statuses are plain).
func (b *book) statusCell(s string) excelize.Cell {
	return excelize.Cell{StyleID: b.st.status[s], Value: s}
}
