package mapping

import (
	"bufio"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// benchmarkRules reads the CIS Kubernetes Benchmark v1.12 recommendation ids (131).
func benchmarkRules(t testing.TB) []string {
	t.Helper()
	f, err := os.Open("testdata/cis-1.12-rules.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if l := strings.TrimSpace(s.Text()); l != "" && !strings.HasPrefix(l, "#") {
			ids = append(ids, l)
		}
	}
	if len(ids) != 131 {
		t.Fatalf("testdata lists %d rules, want 131", len(ids))
	}
	return ids
}

func builtin(t testing.TB) *Mapping {
	t.Helper()
	m, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	return m
}

// Every rule of the benchmark has at least one control in each framework, or a reasoned
// "no mapping" statement.
func TestEveryRuleIsMappedInEveryFramework(t *testing.T) {
	m := builtin(t)
	for _, id := range benchmarkRules(t) {
		ctl, none := m.Controls(id), m.NoMapping(id)
		for _, f := range m.Frameworks() {
			switch {
			case len(ctl[f.Key]) > 0 && none[f.Key] != "":
				t.Errorf("rule %s, %s: both controls %v and a no-mapping statement", id, f.Key, ctl[f.Key])
			case len(ctl[f.Key]) == 0 && len(strings.Fields(none[f.Key])) < 4:
				t.Errorf("rule %s has no %s control and no reasoned no-mapping row", id, f.Key)
			}
		}
	}
}

// The built-in crosswalk names no rule outside the benchmark (a typo would map nothing).
func TestBuiltinRulesAreBenchmarkRules(t *testing.T) {
	m := builtin(t)
	want := map[string]bool{}
	for _, id := range benchmarkRules(t) {
		want[id] = true
	}
	for _, f := range m.Frameworks() {
		for _, r := range m.Rows(f.Key) {
			if !want[r.Rule] {
				t.Errorf("%s: rule %q is not a CIS 1.12 recommendation", r.Source, r.Rule)
			}
		}
	}
}

// Every referenced control exists in its catalog, and every catalog entry is referenced.
func TestReferencedControlsAreInCatalog(t *testing.T) {
	m := builtin(t)
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	used := map[[2]string]bool{}
	for _, f := range m.Frameworks() {
		for _, r := range m.Rows(f.Key) {
			if r.Relation == None {
				continue
			}
			used[[2]string{f.Key, r.Control}] = true
			if cat[f.Key][r.Control] == "" {
				t.Errorf("%s: control %s %s is not in the catalog", r.Source, f.Key, r.Control)
			}
		}
	}
	for fw, ctl := range cat {
		for id := range ctl {
			if !used[[2]string{fw, id}] {
				t.Errorf("catalog lists %s %s but no row references it", fw, id)
			}
		}
	}
}

// Ids are well-formed for their framework; independent patterns, stricter than the parser's.
func TestControlIDsWellFormed(t *testing.T) {
	strict := map[string]*regexp.Regexp{
		NIST: regexp.MustCompile(`^[A-Z]{2}-\d{1,2}(\(\d{1,2}\))?$`),
		PCI:  regexp.MustCompile(`^\d{1,2}\.\d{1,2}\.\d{1,2}(\.\d{1,2})?$`), // we map to numbered requirements, not sections
		SOC2: regexp.MustCompile(`^(CC[1-9]|A1|C1|PI1|P[1-8])\.\d$`),
	}
	// NIST SP 800-53 controls withdrawn in Rev. 5 (or moved to another family).
	withdrawn := map[string]bool{"AC-13": true, "AC-15": true, "AU-15": true, "CA-4": true, "PL-6": true,
		"SA-6": true, "SA-7": true, "SA-12": true, "SA-13": true, "SA-14": true, "SA-18": true, "SA-19": true,
		"SC-9": true, "SC-14": true, "SC-19": true, "SC-33": true, "SI-9": true}
	m := builtin(t)
	for _, f := range m.Frameworks() {
		for _, r := range m.Rows(f.Key) {
			if !strict[f.Key].MatchString(r.Control) || !WellFormed(f.Key, r.Control) {
				t.Errorf("%s: %q is not a well-formed %s id", r.Source, r.Control, f.Key)
			}
			if f.Key == NIST && withdrawn[r.Control] {
				t.Errorf("%s: %s is withdrawn in NIST SP 800-53 Rev. 5", r.Source, r.Control)
			}
		}
	}
}

func TestWellFormed(t *testing.T) {
	for _, c := range []struct {
		fw, id string
		ok     bool
	}{
		{NIST, "AC-6", true}, {NIST, "AC-6(5)", true}, {NIST, "SC-8(1)", true}, {NIST, "CM-14", true},
		{NIST, "AC-6 (5)", false}, {NIST, "AC6", false}, {NIST, "XY-1", false}, {NIST, "ac-6", false}, {NIST, "AC-0", false},
		{PCI, "2.2.1", true}, {PCI, "10.2.1.2", true}, {PCI, "A1.1.1", true},
		{PCI, "2", false}, {PCI, "13.1.1", false}, {PCI, "2.2.1.1.1", false}, {PCI, "2.0.1", false},
		{SOC2, "CC6.1", true}, {SOC2, "CC7.5", true}, {SOC2, "A1.3", true}, {SOC2, "PI1.5", true}, {SOC2, "P6.7", true},
		{SOC2, "CC6.9", false}, {SOC2, "CC7.6", false}, {SOC2, "A1.4", false}, {SOC2, "CC10.1", false},
		{"iso-27001", "A.5.1", false},
	} {
		if got := WellFormed(c.fw, c.id); got != c.ok {
			t.Errorf("WellFormed(%s, %q) = %v, want %v", c.fw, c.id, got, c.ok)
		}
	}
}

func TestNaturalOrder(t *testing.T) {
	want := []string{"1.1.2", "1.1.10", "1.2.1", "1.2.9", "1.2.10", "2.1", "2.7", "3.1.1", "5.6.4"}
	got := append([]string(nil), want...)
	sort.Slice(got, func(i, j int) bool { return naturalLess(got[i], got[j]) })
	sort.Slice(got, func(i, j int) bool { return naturalLess(got[i], got[j]) })
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("rule order %v", got)
	}
	ctl := []string{"SC-28(1)", "AC-12", "AC-6(10)", "AC-6", "AC-6(5)", "AC-3(7)", "AU-2", "SC-8"}
	sort.Slice(ctl, func(i, j int) bool { return lessControl(NIST, ctl[i], ctl[j]) })
	if got, want := strings.Join(ctl, " "), "AC-3(7) AC-6 AC-6(5) AC-6(10) AC-12 AU-2 SC-8 SC-28(1)"; got != want {
		t.Errorf("NIST order %s, want %s", got, want)
	}
	soc := []string{"A1.1", "P1.1", "CC7.1", "PI1.1", "C1.1", "CC6.1"}
	sort.Slice(soc, func(i, j int) bool { return lessControl(SOC2, soc[i], soc[j]) })
	if got, want := strings.Join(soc, " "), "CC6.1 CC7.1 A1.1 C1.1 PI1.1 P1.1"; got != want {
		t.Errorf("SOC 2 order %s, want %s", got, want)
	}
}

// Spot checks that the themes landed where docs/mapping.md says they do.
func TestBuiltinSpotChecks(t *testing.T) {
	m := builtin(t)
	for _, c := range []struct{ rule, fw, control string }{
		{"1.1.1", NIST, "CM-6"}, {"1.1.1", PCI, "2.2.1"}, {"1.1.1", SOC2, "CC7.1"}, // tier 1 on an arbitrary item
		{"5.6.4", NIST, "CM-6"},
		{"1.2.1", NIST, "AC-14"}, {"1.2.2", NIST, "IA-5(7)"}, {"1.2.16", PCI, "10.2.1"},
		{"1.2.17", NIST, "AU-11"}, {"1.2.24", PCI, "2.2.7"}, {"1.2.27", NIST, "SC-28(1)"},
		{"1.2.29", NIST, "SC-13"}, {"5.1.1", NIST, "AC-6(5)"}, {"5.1.1", SOC2, "CC6.3"},
		{"5.2.2", SOC2, "CC6.8"}, {"5.3.2", SOC2, "CC6.6"}, {"5.5.1", NIST, "CM-7(5)"},
		{"4.2.13", SOC2, "A1.1"}, {"3.2.2", PCI, "10.2.1.7"},
	} {
		if !contains(m.Controls(c.rule)[c.fw], c.control) {
			t.Errorf("rule %s: %s lacks %s (has %v)", c.rule, c.fw, c.control, m.Controls(c.rule)[c.fw])
		}
	}
}

func TestControlsOrderAndShape(t *testing.T) {
	m := builtin(t)
	got := m.Controls("5.1.7")
	if strings.Join(got[NIST], " ") != "AC-2 AC-6 AC-6(5) CM-6" {
		t.Errorf("5.1.7 NIST controls %v", got[NIST])
	}
	unknown := m.Controls("no-such-rule")
	if len(unknown) != 3 || unknown[NIST] == nil || len(unknown[NIST]) != 0 {
		t.Errorf("unknown rule: %#v, want three empty lists", unknown)
	}
}

func TestInfoAndFrameworks(t *testing.T) {
	m := builtin(t)
	if got := m.Info(); got.Builtin != BuiltinVersion || len(got.UserFiles) != 0 {
		t.Errorf("Info %+v", got)
	}
	var keys []string
	for _, f := range m.Frameworks() {
		if f.Name == "" || f.Version == "" {
			t.Errorf("framework %+v lacks a name or version", f)
		}
		keys = append(keys, f.Key)
	}
	if strings.Join(keys, " ") != "nist-800-53-r5 pci-dss-4.0.1 soc2-2017" {
		t.Errorf("framework keys %v", keys)
	}
}

// Every built-in row carries a provenance note and a relation.
func TestBuiltinRowsHaveNotes(t *testing.T) {
	m := builtin(t)
	n := 0
	for _, f := range m.Frameworks() {
		for _, r := range m.Rows(f.Key) {
			n++
			if len(strings.Fields(r.Note)) < 4 || (r.Relation != Supports && r.Relation != PartiallySupports) {
				t.Errorf("%s: weak row %+v", r.Source, r)
			}
			if !strings.HasPrefix(r.Source, "builtin:crosswalk.csv:") {
				t.Errorf("row source %q", r.Source)
			}
		}
	}
	if n < 131*3 {
		t.Errorf("only %d built-in rows", n)
	}
}

func BenchmarkBuiltinRollup(b *testing.B) {
	m := builtin(b)
	st := map[string]string{}
	for i, id := range benchmarkRules(b) {
		st[id] = []string{"PASS", "FAIL", "MANUAL", "NO_EVIDENCE", "PASS"}[i%5]
	}
	res := results(st)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Rollup(res)
	}
}
