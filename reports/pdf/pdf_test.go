package pdf

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/fixture"
	"github.com/kubeproof/kubeproof/reports/internal/readers"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var docs = sync.OnceValues(func() (map[string][]byte, error) {
	out := map[string][]byte{}
	for name, r := range map[string]*result.Report{"report": fixture.Report(), "unverified": fixture.Unverified()} {
		var buf bytes.Buffer
		if err := Write(&buf, r); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = buf.Bytes()
	}
	return out, nil
})

// file writes the named fixture PDF to a temp file and returns its path.
func file(t *testing.T, name string) string {
	t.Helper()
	all, err := docs()
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	path := filepath.Join(t.TempDir(), name+".pdf")
	if err := os.WriteFile(path, all[name], 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWriteRejectsBadReports(t *testing.T) {
	bad := fixture.Report()
	bad.GeneratedAt = "2026-13-45"
	for name, r := range map[string]*result.Report{"nil": nil, "bad time": bad} {
		err := Write(&bytes.Buffer{}, r)
		if err == nil || !strings.HasPrefix(err.Error(), "pdf: ") {
			t.Errorf("%s: Write error = %v, want a pdf: error", name, err)
		}
	}
}

func TestDeterministic(t *testing.T) {
	all, err := docs()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // twice: gofpdf once mutated the shared font bytes on each run
		var buf bytes.Buffer
		if err := Write(&buf, fixture.Report()); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), all["report"]) {
			t.Fatalf("run %d: PDF differs from the first run (%d vs %d bytes)", i+2, buf.Len(), len(all["report"]))
		}
	}
	if !bytes.Contains(all["report"], []byte("/CreationDate (D:20260314092653)")) {
		t.Error("creation date is not the report time")
	}
	if !bytes.Contains(all["report"], []byte("/PageMode /UseOutlines")) {
		t.Error("PDF has no outline (bookmarks)")
	}
}

func TestQpdfCheck(t *testing.T) {
	qpdf := readers.Need(t, "qpdf")
	for _, name := range []string{"report", "unverified"} {
		if out, err := readers.Run(t, time.Minute, qpdf, "--check", file(t, name)); err != nil {
			t.Errorf("qpdf --check %s: %v\n%s", name, err, out)
		}
	}
}

func pdftotext(t *testing.T, name string) string {
	t.Helper()
	bin := readers.Need(t, "pdftotext")
	out, err := readers.Run(t, time.Minute, bin, "-enc", "UTF-8", file(t, name), "-")
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestTextContent(t *testing.T) {
	r := fixture.Report()
	text := pdftotext(t, "report")
	want := []string{fixture.ClusterName, "VERIFIED EVIDENCE", r.ReportID, "kubeproof.dev/bundle/v1", "ssh-keygen -Y verify",
		"платежи", "zahlungsdienst-ü", "<U+652F", "U+4ED8>-api", "full list is in report.xlsx"}
	for _, fw := range r.FrameworkInfo {
		want = append(want, fw.Name)
	}
	for _, b := range r.Bundles {
		want = append(want, b.SHA256, b.Signer)
	}
	for _, rr := range r.Results {
		if rr.Status == result.Fail {
			want = append(want, rr.RuleID+" "+rr.Title)
		}
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("pdftotext output lacks %q", w)
		}
	}
	if u := pdftotext(t, "unverified"); !strings.Contains(u, "UNVERIFIED EVIDENCE") {
		t.Error("unverified report has no UNVERIFIED EVIDENCE stamp")
	}
}

func TestRenderEveryPage(t *testing.T) {
	bin := readers.Need(t, "pdftoppm")
	qpdf := readers.Need(t, "qpdf")
	path := file(t, "report")
	out, err := readers.Run(t, time.Minute, qpdf, "--show-npages", path)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || pages < 10 {
		t.Fatalf("qpdf --show-npages = %q", out)
	}
	dir := t.TempDir()
	if _, err := readers.Run(t, 3*time.Minute, bin, "-r", "20", "-png", path, filepath.Join(dir, "p")); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "p-*.png"))
	if len(pngs) != pages {
		t.Fatalf("pdftoppm rendered %d pages of %d", len(pngs), pages)
	}
	for _, p := range pngs {
		if st, err := os.Stat(p); err != nil || st.Size() < 200 {
			t.Errorf("page %s rendered empty", p)
		}
	}
}

func TestGoldenText(t *testing.T) {
	for _, name := range []string{"report", "unverified"} {
		got := pdftotext(t, name)
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
			t.Errorf("%s: extracted text differs from %s (go test -update rewrites it)", name, path)
		}
	}
}

func TestPrintable(t *testing.T) {
	cases := map[string]string{
		"zahlungsdienst-ü": "zahlungsdienst-ü",
		"платёжный-шлюз":   "платёжный-шлюз",
		"支付-api":           "<U+652F U+4ED8>-api",
		"a\tb\x00c":        "a bc",
		"emoji 🔒 lock":     "emoji <U+1F512> lock",
		"bad \xff utf8":    "bad ? utf8",
		"line1\nline2":     "line1\nline2",
		"mixed 支x付":        "mixed <U+652F>x<U+4ED8>",
	}
	for in, want := range cases {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestScale renders the 100,000-pod report (summarised); hack/bench-reports.sh runs it with -v.
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the 100,000-pod report in -short mode")
	}
	r := fixture.Large(100_000)
	var buf bytes.Buffer
	start := time.Now()
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	t.Logf("pdf: %.1f MB written in %v, peak RSS %d MB", float64(buf.Len())/1e6, time.Since(start).Round(time.Millisecond), peakRSS()>>20)
	if !bytes.Contains(buf.Bytes(), []byte("/Type /Catalog")) {
		t.Error("output is not a complete PDF")
	}
}

func peakRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Maxrss << 10
}

func BenchmarkWriteLarge(b *testing.B) {
	r := fixture.Large(100_000)
	for b.Loop() {
		if err := Write(&bytes.Buffer{}, r); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzPrintable: names come from untrusted bundles; whatever they hold, the result must be
// drawable with the embedded fonts (gofpdf indexes its width table by rune and would panic).
func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"支付-api", "платежи", "a\x00\t\n", "\xff\xfe", "🔒", "\U0010FFFF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := printable(s)
		if hasUncovered(out) {
			t.Fatalf("printable(%q) = %q still has characters the fonts lack", s, out)
		}
		d := newDoc(fixture.Report())
		d.p.AddPage()
		d.para(s, 9)
		d.table(targetColumns, [][]cell{{txt(s), status(s), txt(s), txt(s), txt(s)}}, 7.5, s)
		if err := d.p.Error(); err != nil {
			t.Fatalf("rendering %q: %v", s, err)
		}
	})
}
