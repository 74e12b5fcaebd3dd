package rules

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// This file checks the built-in CIS rule data itself (rules/cis/*.yaml): every
// recommendation of the checklist is present exactly once with the checklist's level and
// assessment, every check compiles in NewEnv(), and every <id>.test.yaml case gives the
// expected status. It is independent of the loader so that data problems are reported
// as data problems.

type cisChecklistRow struct{ id, section, level, assessment string }

func readChecklist(t *testing.T) map[string]cisChecklistRow {
	t.Helper()
	data, err := os.ReadFile("testdata/cis-1.12-checklist.csv")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, "#") && strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	recs, err := csv.NewReader(strings.NewReader(strings.Join(lines, "\n"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]cisChecklistRow{}
	for _, r := range recs[1:] {
		rows[r[0]] = cisChecklistRow{id: r[0], section: r[1], level: r[4], assessment: strings.ToLower(r[5])}
	}
	return rows
}

type cisRuleFile = Rule

func readCISRules(t *testing.T) map[string]*cisRuleFile {
	t.Helper()
	paths, err := filepath.Glob("cis/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*cisRuleFile{}
	for _, p := range paths {
		if strings.HasSuffix(p, ".test.yaml") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var r cisRuleFile
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&r); err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if want := filepath.Base(p); want != r.ID+".yaml" {
			t.Errorf("%s: id %q does not match the file name", p, r.ID)
		}
		r.Path = p
		out[r.ID] = &r
	}
	return out
}

func TestCISRuleDataMatchesChecklist(t *testing.T) {
	rows := readChecklist(t)
	rules := readCISRules(t)
	if len(rows) != 131 {
		t.Fatalf("checklist has %d rows, want 131", len(rows))
	}
	automated := 0
	for id, row := range rows {
		r, ok := rules[id]
		if !ok {
			t.Errorf("recommendation %s has no rule file", id)
			continue
		}
		if r.Level != row.level || r.Assessment != row.assessment || r.Section != row.section {
			t.Errorf("%s: level/assessment/section %s/%s/%s, checklist says %s/%s/%s", id, r.Level, r.Assessment, r.Section, row.level, row.assessment, row.section)
		}
		if r.Assessment == "automated" {
			automated++
			if r.Scope == ScopeManual || r.Check == "" {
				t.Errorf("%s: automated rule without a check", id)
			}
		} else if r.ManualReason == "" {
			t.Errorf("%s: manual rule without manual_reason", id)
		}
		if r.Title == "" || r.Rationale == "" || r.Remediation == "" || r.SectionTitle == "" {
			t.Errorf("%s: title, section_title, rationale and remediation are required", id)
		}
		if (r.Check == "") != (r.Scope == ScopeManual) {
			t.Errorf("%s: scope %q with check %q", id, r.Scope, r.Check)
		}
		if strings.Join(r.Benchmarks, ",") != "cis-1.12,cis-2.0.1" {
			t.Errorf("%s: benchmarks %v", id, r.Benchmarks)
		}
		checkScopeFields(t, r)
	}
	for id := range rules {
		if _, ok := rows[id]; !ok {
			t.Errorf("rule %s is not in the checklist", id)
		}
	}
	if automated != 65 {
		t.Errorf("%d automated rules, want 65", automated)
	}
}

func checkScopeFields(t *testing.T, r *cisRuleFile) {
	t.Helper()
	switch r.Scope {
	case ScopeComponent:
		if r.Component == "" || len(r.Inputs) == 0 {
			t.Errorf("%s: component scope needs component and inputs", r.ID)
		}
	case ScopeFile:
		if len(r.Files) == 0 {
			t.Errorf("%s: file scope needs files", r.ID)
		}
		for _, f := range r.Files {
			if (f.Setting == "") == (f.Role == "") {
				t.Errorf("%s: a file selector needs exactly one of setting and role", r.ID)
			}
		}
	case ScopeObject:
		if len(r.Resources) == 0 {
			t.Errorf("%s: object scope needs resources", r.ID)
		}
	case ScopeCluster, ScopeManual:
	default:
		t.Errorf("%s: unknown scope %q", r.ID, r.Scope)
	}
}

// TestCISRuleCases loads rules/cis with the real loader (compilation, cost estimates,
// file:line:col errors) and runs every <id>.test.yaml case with RunTests. Automated rules
// must have both a PASS and a FAIL case.
func TestCISRuleCases(t *testing.T) {
	fsys := os.DirFS(".")
	set, err := LoadFS(fsys, "cis", "rules/cis")
	if err != nil {
		t.Fatalf("loading rules/cis: %v", err)
	}
	if set.Len() != 131 {
		t.Errorf("loaded %d rules, want 131", set.Len())
	}
	results, err := RunTests(fsys, "cis", "rules/cis", set)
	if err != nil {
		t.Errorf("running tests: %v", err)
	}
	seen := map[string]map[string]bool{}
	for _, res := range results {
		if !res.OK {
			t.Error(res.String())
		}
		if seen[res.RuleID] == nil {
			seen[res.RuleID] = map[string]bool{}
		}
		seen[res.RuleID][res.Got.Status] = true
	}
	for _, r := range set.Rules() {
		s := seen[r.ID]
		switch {
		case r.HasCheck() && len(s) == 0:
			t.Errorf("%s: no test cases", r.ID)
		case !r.HasCheck() && len(s) > 0:
			t.Errorf("%s: manual-scope rule has test cases", r.ID)
		case r.Automated() && (!s["PASS"] || !s["FAIL"]):
			t.Errorf("%s: automated rule needs a PASS and a FAIL case, has %v", r.ID, s)
		}
	}
}

// docs/rules-coverage.md lists every rule once with its level and assessment.
func TestCISCoverageDoc(t *testing.T) {
	data, err := os.ReadFile("../docs/rules-coverage.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		cells := strings.Split(l, " | ")
		if len(cells) > 3 && strings.HasPrefix(l, "| ") && idPattern.MatchString(strings.TrimPrefix(cells[0], "| ")) {
			id := strings.TrimPrefix(cells[0], "| ")
			if _, dup := rows[id]; dup {
				t.Errorf("docs/rules-coverage.md lists %s twice", id)
			}
			rows[id] = cells[1] + " " + cells[2]
		}
	}
	for id, r := range readCISRules(t) {
		if got, want := rows[id], r.Level+" "+r.Assessment; got != want {
			t.Errorf("docs/rules-coverage.md row %s = %q, want %q", id, got, want)
		}
	}
	if len(rows) != 131 {
		t.Errorf("docs/rules-coverage.md has %d rows, want 131", len(rows))
	}
}
