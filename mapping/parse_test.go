package mapping

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func rowOf(m *Mapping, rule, fw, control string) (Row, bool) {
	for _, r := range m.Rows(fw) {
		if r.Rule == rule && r.Control == control {
			return r, true
		}
	}
	return Row{}, false
}

func TestUserFileExtendsAndOverrides(t *testing.T) {
	base := builtin(t)
	before := fmt.Sprint(base.Controls("1.2.1"), base.Controls("5.1.1"), base.Controls("5.6.4"))
	user, err := LoadFile("testdata/org-crosswalk.csv")
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	m := base.With(user)

	// extends: a control outside the built-in catalog, with the file's title
	nist := m.Controls("1.2.1")[NIST]
	if !contains(nist, "AC-17") || !contains(nist, "CM-6") || !contains(nist, "IA-2") {
		t.Errorf("1.2.1 NIST after With: %v (want built-in rows kept and AC-17 added)", nist)
	}
	if got := m.Title(NIST, "AC-17"); got != "Authorise and control remote access" {
		t.Errorf("AC-17 title %q", got)
	}
	// overrides: same (rule, framework, control) → the user's relation and note
	if r, _ := rowOf(m, "1.2.1", NIST, "AC-14"); r.Relation != PartiallySupports || !strings.HasPrefix(r.Source, "testdata/org-crosswalk.csv:") {
		t.Errorf("AC-14 row %+v, want the user's partially-supports row", r)
	}
	// removes one row
	pci := m.Controls("1.2.1")[PCI]
	if contains(pci, "2.2.2") || !contains(pci, "8.3.1") {
		t.Errorf("1.2.1 PCI %v: want 2.2.2 removed, 8.3.1 kept", pci)
	}
	// replaces a pair
	if got := strings.Join(m.Controls("5.1.1")[PCI], " "); got != "7.2.4" {
		t.Errorf("5.1.1 PCI %q, want only the user's 7.2.4", got)
	}
	if len(m.NoMapping("5.1.1")) != 0 {
		t.Errorf("5.1.1 has rows again, so no no-mapping statement: %v", m.NoMapping("5.1.1"))
	}
	// states no mapping
	if got := m.Controls("5.6.4")[SOC2]; len(got) != 0 {
		t.Errorf("5.6.4 SOC 2 %v, want none", got)
	}
	if !strings.Contains(m.NoMapping("5.6.4")[SOC2], "default namespace") {
		t.Errorf("5.6.4 no-mapping reason %q", m.NoMapping("5.6.4")[SOC2])
	}
	// roll-up sees the user's rows
	for _, c := range m.Rollup(results(map[string]string{"5.1.1": fail}))[PCI] {
		if c.Control == "7.2.4" && c.Status != EvidenceFails {
			t.Errorf("7.2.4 roll-up %+v", c)
		}
	}
	// provenance of the mapping
	if info := m.Info(); info.Builtin != BuiltinVersion || strings.Join(info.UserFiles, ",") != "testdata/org-crosswalk.csv" {
		t.Errorf("Info %+v", info)
	}
	// the built-in mapping itself is unchanged
	if after := fmt.Sprint(base.Controls("1.2.1"), base.Controls("5.1.1"), base.Controls("5.6.4")); after != before || len(base.Info().UserFiles) != 0 {
		t.Error("With changed the built-in mapping")
	}
}

// Files apply in order: a later file's row replaces an earlier file's.
func TestUserFilesApplyInOrder(t *testing.T) {
	a, err := Parse("a.csv", []byte("rule,framework,control,relation,note\n1.2.1,nist-800-53-r5,AC-3,supports,from a\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("b.csv", []byte("rule,framework,control,relation,note\n1.2.1,nist-800-53-r5,AC-3,partially-supports,from b\n1.2.1,nist-800-53-r5,*,none,b replaces the pair\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := builtin(t).With(a, b)
	if got := strings.Join(m.Controls("1.2.1")[NIST], " "); got != "AC-3" {
		t.Errorf("controls %q", got)
	}
	if r, _ := rowOf(m, "1.2.1", NIST, "AC-3"); r.Note != "from b" {
		t.Errorf("row %+v", r)
	}
	if got := m.Info().UserFiles; strings.Join(got, " ") != "a.csv b.csv" {
		t.Errorf("user files %v", got)
	}
}

func TestParseAccepts(t *testing.T) {
	in := "\ufeffRule, Framework ,Control,Relation,Note\r\n" + // BOM, spaces, CRLF, mixed case
		"# a comment\r\n\r\n" +
		"1.2.1,nist-800-53-r5,ac-6(5),Supports,\"quoted, with comma\"\r\n" +
		"org-7,soc2-2017,cc6.1,partially-supports,an organisation's own rule id\r\n"
	m, err := Parse("ok.csv", []byte(in))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if r, ok := rowOf(m, "1.2.1", NIST, "AC-6(5)"); !ok || r.Note != "quoted, with comma" || r.Source != "ok.csv:4" {
		t.Errorf("row %+v %v", r, ok)
	}
	if got := m.Controls("org-7")[SOC2]; len(got) != 1 || got[0] != "CC6.1" {
		t.Errorf("org-7 %v", got)
	}
}

// A malformed file is rejected and the message names the file and line.
func TestParseRejects(t *testing.T) {
	const h = "rule,framework,control,relation,note\n"
	for _, c := range []struct{ name, in, want string }{
		{"empty", "", "x.csv:1: no header"},
		{"comments only", "# nothing\n", "x.csv:1: no header"},
		{"missing column", "rule,framework,control,relation\n", `x.csv:1: header lacks column "note"`},
		{"unknown column", "rule,framework,control,relation,note,weight\n", `x.csv:1: unknown column "weight"`},
		{"duplicate column", "rule,framework,control,relation,note,note\n", `x.csv:1: column "note" appears twice`},
		{"field count", h + "1.2.1,nist-800-53-r5,AC-3,supports\n", "x.csv:2: 4 fields, the header has 5"},
		{"framework", h + "\n# c\n1.2.1,nist-800-53,AC-3,supports,n\n", `x.csv:4: unknown framework "nist-800-53"; frameworks are nist-800-53-r5, pci-dss-4.0.1, soc2-2017`},
		{"nist id", h + "1.2.1,nist-800-53-r5,AC-6 (5),supports,n\n", `x.csv:2: control "AC-6 (5)" is not a well-formed nist-800-53-r5 id`},
		{"pci id", h + "1.2.1,pci-dss-4.0.1,2.2,supports,n\n1.2.1,pci-dss-4.0.1,2.2.x,supports,n\n", `x.csv:3: control "2.2.x" is not a well-formed pci-dss-4.0.1 id`},
		{"soc2 id", h + "1.2.1,soc2-2017,CC6.9,supports,n\n", `x.csv:2: control "CC6.9" is not a well-formed soc2-2017 id`},
		{"relation", h + "1.2.1,soc2-2017,CC6.1,maps-to,n\n", `x.csv:2: unknown relation "maps-to"`},
		{"empty note", h + "1.2.1,soc2-2017,CC6.1,supports, \n", "x.csv:2: empty note"},
		{"none without reason", h + "1.2.1,soc2-2017,*,none,\n", `x.csv:2: empty note: a "none" row must give the reason`},
		{"star with supports", h + "1.2.1,soc2-2017,*,supports,n\n", `x.csv:2: control "*" is only allowed with relation "none"`},
		{"empty control", h + "1.2.1,soc2-2017,,supports,n\n", "x.csv:2: empty control id"},
		{"rule id", h + "1.2.1 x,soc2-2017,CC6.1,supports,n\n", `x.csv:2: rule id "1.2.1 x" is not well-formed`},
		{"duplicate", h + "1.2.1,soc2-2017,CC6.1,supports,n\n1.2.2,soc2-2017,CC6.1,supports,n\n1.2.1,soc2-2017,cc6.1,partially-supports,n\n", "x.csv:4: duplicate row for rule 1.2.1, soc2-2017 CC6.1 (first at line 2)"},
		{"not in catalog", h + "1.2.1,nist-800-53-r5,AC-17,supports,n\n", `x.csv:2: control "AC-17" is not in the built-in nist-800-53-r5 catalog; add a title column`},
		{"title conflict", h[:len(h)-1] + ",title\n1.2.1,nist-800-53-r5,AC-17,supports,n,Remote\n1.2.2,nist-800-53-r5,AC-17,supports,n,Other\n", "x.csv:3: control nist-800-53-r5 AC-17 has a different title at line 2"},
		{"bad quote", h + "1.2.1,soc2-2017,CC6.1,supports,n\n1.2.2,soc2-2017,CC6.1,supports,\"unterminated\n", "x.csv:3: malformed CSV"},
		{"stray quote", h + "1.2.1,soc2-2017,CC6.1,supports,a \"b\" c\n", "x.csv:2: malformed CSV"},
		{"long note", h + "1.2.1,soc2-2017,CC6.1,supports," + strings.Repeat("n", maxNote+1) + "\n", "x.csv:2: note longer than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse("x.csv", []byte(c.in))
			if err == nil {
				t.Fatalf("accepted: %+v", m)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, c.want)
			}
			var le *LineError
			if !errors.As(err, &le) || le.File != "x.csv" {
				t.Errorf("error %v is not a *LineError for x.csv", err)
			}
		})
	}
}

// Every problem is reported, not just the first, in line order.
func TestParseReportsEveryProblem(t *testing.T) {
	in := "rule,framework,control,relation,note\n" +
		"1.2.1,nist,AC-3,supports,n\n" +
		"1.2.1,nist-800-53-r5,AC-3,supports,n\n" +
		"1.2.2,soc2-2017,CC9.9,supports,n\n" +
		"1.2.3,pci-dss-4.0.1,2.2.1,sometimes,\n"
	_, err := Parse("many.csv", []byte(in))
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, w := range []string{"many.csv:2: unknown framework", "many.csv:4: control \"CC9.9\"", "many.csv:5: unknown relation", "many.csv:5: empty note"} {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in\n%s", w, msg)
		}
	}
	if strings.Index(msg, "many.csv:2:") > strings.Index(msg, "many.csv:5:") {
		t.Errorf("problems not in line order:\n%s", msg)
	}
	var b strings.Builder
	b.WriteString("rule,framework,control,relation,note\n")
	for i := 0; i < 100; i++ {
		b.WriteString("r,x,y,z,\n")
	}
	_, err = Parse("flood.csv", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "more problems not shown") || strings.Count(err.Error(), "\n") > maxErrors+1 {
		t.Errorf("flood: %v", err)
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadFile(filepath.Join(dir, "missing.csv")); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("rule,framework,control,relation,note\n1.2.1,nist-800-53-r5,AC-3,supports\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":2: ") {
		t.Errorf("bad file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	b, err := data.ReadFile("data/crosswalk.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	if org, err := os.ReadFile("testdata/org-crosswalk.csv"); err == nil {
		f.Add(org)
	}
	f.Add([]byte(rollupCSV))
	f.Add([]byte("rule,framework,control,relation,note,title\n1.2.1,nist-800-53-r5,AC-17,supports,n,T\n1.2.1,soc2-2017,*,none,r,\n"))
	f.Add([]byte("rule,framework,control,relation,note\n\"1.2.1,x\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := Parse("fuzz.csv", in)
		if err != nil {
			lines := strings.Count(string(in), "\n") + 2
			var le *LineError
			if errors.As(err, &le) && (le.Line < 0 || le.Line > lines) {
				t.Fatalf("line %d outside the input (%d lines): %v", le.Line, lines, err)
			}
			return
		}
		// accepted ⇒ every effective row is well-formed, known, and noted
		for _, fw := range m.Frameworks() {
			for _, r := range m.Rows(fw.Key) {
				if r.Relation == None {
					if r.Control != "*" || r.Note == "" {
						t.Fatalf("bad none row %+v", r)
					}
					continue
				}
				if !WellFormed(fw.Key, r.Control) || m.Title(fw.Key, r.Control) == "" || r.Note == "" || !ruleID.MatchString(r.Rule) {
					t.Fatalf("accepted a bad row %+v", r)
				}
			}
		}
		builtin(t).With(m).Rollup(nil)
	})
}

func BenchmarkParseBuiltin(b *testing.B) {
	in, err := data.ReadFile("data/crosswalk.csv")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	for i := 0; i < b.N; i++ {
		if _, err := Parse("bench.csv", in); err != nil {
			b.Fatal(err)
		}
	}
}
