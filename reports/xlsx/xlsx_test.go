package xlsx

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/fixture"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtureBook is the standard fixture's workbook, written once per test run.
var fixtureBook = sync.OnceValues(func() ([]byte, error) {
	var buf bytes.Buffer
	err := Write(&buf, fixture.Report())
	return buf.Bytes(), err
})

func mustBook(t testing.TB) []byte {
	t.Helper()
	b, err := fixtureBook()
	if err != nil {
		t.Fatalf("Write(fixture): %v", err)
	}
	return b
}

func TestWriteRejectsBadReports(t *testing.T) {
	bad := fixture.Report()
	bad.GeneratedAt = "yesterday"
	for name, r := range map[string]*result.Report{"nil": nil, "bad time": bad} {
		var buf bytes.Buffer
		err := Write(&buf, r)
		if err == nil {
			t.Errorf("%s: Write succeeded, want an error", name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "xlsx: ") {
			t.Errorf("%s: error %q does not name the xlsx writer", name, err)
		}
	}
	if err := Write(&bytes.Buffer{}, bad); !strings.Contains(err.Error(), `"yesterday"`) {
		t.Errorf("bad time: error %q does not quote the bad value", err)
	}
}

func TestDeterministic(t *testing.T) {
	first := mustBook(t)
	for _, r := range []*result.Report{fixture.Report(), fixture.Report()} {
		var buf bytes.Buffer
		if err := Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, buf.Bytes()) {
			t.Fatalf("two writes of the same report differ (%d vs %d bytes)", len(first), buf.Len())
		}
	}
}

func TestNoTimeNow(t *testing.T) {
	// The document properties carry the report time, not the wall clock.
	f := open(t, mustBook(t))
	p, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if p.Created != fixture.GeneratedAt || p.Modified != fixture.GeneratedAt {
		t.Errorf("created %q, modified %q; want both %q", p.Created, p.Modified, fixture.GeneratedAt)
	}
}

func open(t testing.TB, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("reopening the workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// dump is the normalised content of a workbook: per sheet, its panes and every row's values.
func dump(t testing.TB, b []byte) string {
	f := open(t, b)
	var out strings.Builder
	for _, sheet := range f.GetSheetList() {
		p, _ := f.GetPanes(sheet)
		fmt.Fprintf(&out, "=== sheet %q freeze=%v top-left=%q\n", sheet, p.Freeze, p.TopLeftCell)
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatalf("sheet %q: %v", sheet, err)
		}
		for i, row := range rows {
			fmt.Fprintf(&out, "%d:", i+1)
			for _, c := range row {
				out.WriteString("\t" + strings.ReplaceAll(c, "\n", `\n`))
			}
			out.WriteString("\n")
		}
	}
	return out.String()
}

func TestGolden(t *testing.T) {
	for name, r := range map[string]*result.Report{"report": fixture.Report(), "unverified": fixture.Unverified()} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, r); err != nil {
				t.Fatal(err)
			}
			got := dump(t, buf.Bytes())
			path := filepath.Join("testdata", name+".golden.txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("workbook content differs from %s (go test -update rewrites it):\n%s", path, firstDiff(string(want), got))
			}
		})
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d\nwant: %s\ngot:  %s", i+1, a, b)
		}
	}
	return ""
}

func TestSheets(t *testing.T) {
	f := open(t, mustBook(t))
	want := []string{SheetSummary, SheetFindings, "NIST SP 800-53 Rev. 5.1.1", "PCI DSS v4.0.1",
		"SOC 2 Trust Services Criteria", SheetEvidence, SheetWaivers, SheetGaps, SheetCustody}
	if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sheets = %q, want %q", got, want)
	}
	zr, err := zip.NewReader(bytes.NewReader(mustBook(t)), int64(len(mustBook(t))))
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, zf := range zr.File {
		parts = append(parts, zf.Name)
	}
	for _, want := range []string{"xl/charts/chart1.xml", "xl/tables/table1.xml"} {
		if !strings.Contains(strings.Join(parts, " "), want) {
			t.Errorf("workbook has no %s (status chart / Findings filter table): %q", want, parts)
		}
	}
}

func TestUnicodeRoundTrip(t *testing.T) {
	f := open(t, mustBook(t))
	rows, err := f.GetRows(SheetFindings)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, row := range rows {
		if len(row) > 12 {
			names = append(names, row[11]+"/"+row[12])
		}
	}
	all := strings.Join(names, " ")
	for _, want := range []string{"zahlungsdienst-ü/", "支付-api-", "платёжный-шлюз-", "платежи/"} {
		if !strings.Contains(all, want) {
			t.Errorf("Findings has no object %q", want)
		}
	}
}

func TestCellText(t *testing.T) {
	long := strings.Repeat("x", maxCell+10)
	cases := map[string]string{
		"plain":           "plain",
		"a\x00b\x1fc":     "a\uFFFDb\uFFFDc",
		"tab\tnl\n":       "tab\tnl\n",
		"bad\xffutf8":     "bad\uFFFDutf8",
		"支付-api":          "支付-api",
		"\uFFFEnot\uFFFF": "\uFFFDnot\uFFFD",
	}
	for in, want := range cases {
		if got := text(in); got != want {
			t.Errorf("text(%q) = %q, want %q", in, got, want)
		}
	}
	if got := []rune(text(long)); len(got) != maxCell || !strings.HasSuffix(string(got), "report.json]") {
		t.Errorf("text(long) has %d runes, want %d ending with a note", len(got), maxCell)
	}
}

// TestScale writes the 100,000-pod report and checks every finding row is there.
// hack/bench-reports.sh runs it with -v for the time and peak RSS.
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the 100,000-pod report in -short mode")
	}
	r := fixture.Large(100_000)
	want := 1 // header
	for _, rr := range r.Results {
		want += max(len(rr.Targets), 1)
	}
	path := filepath.Join(t.TempDir(), "large.xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := Write(out, r); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	st, _ := os.Stat(path)
	t.Logf("xlsx: %d finding rows, %.1f MB, written in %v, peak RSS %d MB", want-1, float64(st.Size())/1e6, elapsed.Round(time.Millisecond), peakRSS()>>20)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Rows(SheetFindings)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if n != want {
		t.Errorf("Findings has %d rows, want %d (header + one per rule × listed target)", n, want)
	}
}

func peakRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss
	}
	return ru.Maxrss << 10
}

func BenchmarkWriteLarge(b *testing.B) {
	r := fixture.Large(100_000)
	b.ResetTimer()
	for b.Loop() {
		if err := Write(discard{}, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peakRSS()>>20), "peakRSS-MB")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// FuzzText: cell text from untrusted bundles must never make an invalid workbook.
func FuzzText(f *testing.F) {
	for _, s := range []string{"支付-api", "a\x00b", "\xff", "=cmd|' /C calc'!A0", "\uFFFE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := fixture.Report()
		r.Results[0].Targets[0].Actual = s
		r.Cluster.Name = s
		var buf bytes.Buffer
		if err := Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		rows, err := open(t, buf.Bytes()).GetRows(SheetFindings)
		if err != nil {
			t.Fatal(err)
		}
		if got := rows[1][14]; got != text(s) {
			t.Fatalf("Actual cell = %q, want %q", got, text(s))
		}
	})
}
