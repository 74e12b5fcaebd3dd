package mapping

import (
	"encoding/json"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/internal/result"
)

// results builds rule results from rule id → status, in a fixed order.
func results(st map[string]string) []result.RuleResult {
	var ids []string
	for id := range st {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]result.RuleResult, 0, len(ids))
	for _, id := range ids {
		out = append(out, result.RuleResult{RuleID: id, Status: st[id]})
	}
	return out
}

func counts(statuses ...string) map[string]int {
	c := map[string]int{}
	for _, s := range statuses {
		c[s]++
	}
	return c
}

const (
	pass, fail, manual, na = result.Pass, result.Fail, result.Manual, result.NotApplicable
	noev, errst, waived    = result.NoEvidence, result.Error, result.Waived
)

// Case by case: fail dominates; waived, not-applicable, manual and no-evidence never pass.
func TestEvidenceStatus(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{pass}, EvidencePasses},
		{[]string{pass, pass, na}, EvidencePasses},
		{[]string{pass, fail}, EvidenceFails},
		{[]string{fail}, EvidenceFails},
		{[]string{fail, waived, pass, manual, noev, errst, na}, EvidenceFails},
		{[]string{pass, manual}, EvidencePartial},
		{[]string{pass, noev}, EvidencePartial},
		{[]string{pass, errst}, EvidencePartial},
		{[]string{pass, waived}, EvidencePartial},
		{[]string{pass, waived, na}, EvidencePartial},
		{[]string{noev}, EvidenceMissing},
		{[]string{errst}, EvidenceMissing},
		{[]string{"SOMETHING_NEW"}, EvidenceMissing},
		{[]string{pass, "SOMETHING_NEW"}, EvidencePartial},
		{[]string{manual, errst}, EvidenceMissing},
		{[]string{noev, waived}, EvidenceMissing},
		{[]string{waived}, EvidenceWaived},
		{[]string{waived, manual, na}, EvidenceWaived},
		{[]string{manual}, EvidenceManualOnly},
		{[]string{manual, na}, EvidenceManualOnly},
		{[]string{na, na}, EvidenceNotApplicable},
		{nil, EvidenceNotAssessed},
	} {
		if got := EvidenceStatus(counts(c.in...)); got != c.want {
			t.Errorf("EvidenceStatus(%v) = %s, want %s", c.in, got, c.want)
		}
	}
	if got := EvidenceStatus(map[string]int{pass: 1, fail: 0}); got != EvidencePasses {
		t.Errorf("a zero FAIL count must not fail the control: %s", got)
	}
}

// Exhaustively over small multisets: "evidence-passes" only when everything applicable
// passed; any FAIL gives "evidence-fails".
func TestEvidenceStatusProperties(t *testing.T) {
	all := []string{pass, fail, manual, na, noev, errst, waived}
	var walk func(prefix []string, depth int)
	walk = func(prefix []string, depth int) {
		c := counts(prefix...)
		got := EvidenceStatus(c)
		onlyPassNA := c[pass] > 0 && c[pass]+c[na] == len(prefix)
		if (got == EvidencePasses) != onlyPassNA {
			t.Errorf("%v → %s", prefix, got)
		}
		if (got == EvidenceFails) != (c[fail] > 0) {
			t.Errorf("%v → %s", prefix, got)
		}
		if depth == 0 {
			return
		}
		for _, s := range all {
			walk(append(append([]string(nil), prefix...), s), depth-1)
		}
	}
	walk(nil, 4)
}

const rollupCSV = `rule,framework,control,relation,note
1.2.1,nist-800-53-r5,AC-14,supports,anonymous requests
1.2.1,nist-800-53-r5,CM-6,supports,baseline
1.2.10,nist-800-53-r5,CM-6,supports,baseline
1.2.2,nist-800-53-r5,CM-6,partially-supports,baseline
x.9,nist-800-53-r5,AC-3,supports,a rule that was not run
4.2.4,pci-dss-4.0.1,2.2.4,supports,least functionality
4.2.4,soc2-2017,A1.1,supports,availability
5.1.1,soc2-2017,CC6.3,supports,least privilege
`

func TestRollup(t *testing.T) {
	m, err := Parse("rollup.csv", []byte(rollupCSV))
	if err != nil {
		t.Fatal(err)
	}
	got := m.Rollup(results(map[string]string{"1.2.1": pass, "1.2.10": waived, "1.2.2": pass, "4.2.4": na, "5.1.1": fail, "9.9": pass}))
	if len(got) != 3 {
		t.Fatalf("frameworks %v", got)
	}
	nist := got[NIST]
	var ids []string
	for _, c := range nist {
		ids = append(ids, c.Control+"="+c.Status)
	}
	if s := strings.Join(ids, " "); s != "AC-3=not-assessed AC-14=evidence-passes CM-6=partial" {
		t.Errorf("NIST roll-up %s", s)
	}
	cm6 := nist[2]
	if cm6.Title == "" || cm6.Counts[pass] != 2 || cm6.Counts[waived] != 1 || len(cm6.Counts) != 2 {
		t.Errorf("CM-6 %+v", cm6)
	}
	var rules []string
	for _, r := range cm6.Rules {
		rules = append(rules, r.RuleID+":"+r.Status+":"+r.Relation)
	}
	if s := strings.Join(rules, " "); s != "1.2.1:PASS:supports 1.2.2:PASS:partially-supports 1.2.10:WAIVED:supports" {
		t.Errorf("CM-6 rules %s", s)
	}
	if ac3 := nist[0]; ac3.Rules == nil || len(ac3.Rules) != 0 || ac3.Counts == nil {
		t.Errorf("AC-3 rules must be an empty list, counts an empty map: %+v", ac3)
	}
	if p := got[PCI]; len(p) != 1 || p[0].Status != EvidenceNotApplicable {
		t.Errorf("PCI %+v", p)
	}
	if s := got[SOC2]; len(s) != 2 || s[0].Control != "CC6.3" || s[0].Status != EvidenceFails || s[1].Control != "A1.1" {
		t.Errorf("SOC 2 %+v", s)
	}
}

// Same results in any order → byte-identical JSON.
func TestRollupDeterministic(t *testing.T) {
	m := builtin(t)
	st := map[string]string{}
	for i, id := range benchmarkRules(t) {
		st[id] = result.Statuses[i%len(result.Statuses)]
	}
	res := results(st)
	want, _ := json.Marshal(m.Rollup(res))
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 5; i++ {
		r.Shuffle(len(res), func(a, b int) { res[a], res[b] = res[b], res[a] })
		got, _ := json.Marshal(m.Rollup(res))
		if string(got) != string(want) {
			t.Fatal("roll-up JSON depends on the order of results")
		}
	}
}

// A FAIL of one rule reaches every control the rule supports, in every framework.
func TestRollupFailReachesAllControls(t *testing.T) {
	m := builtin(t)
	st := map[string]string{}
	for _, id := range benchmarkRules(t) {
		st[id] = pass
	}
	st["1.2.16"] = fail
	roll := m.Rollup(results(st))
	for fw, ids := range m.Controls("1.2.16") {
		for _, c := range roll[fw] {
			if contains(ids, c.Control) != (c.Status == EvidenceFails) {
				t.Errorf("%s %s: status %s", fw, c.Control, c.Status)
			}
		}
	}
}

// docs/mapping.md documents every evidence status and every relation.
func TestDocsNameEveryStatus(t *testing.T) {
	b, err := os.ReadFile("../docs/mapping.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, s := range append(append([]string(nil), EvidenceStatuses...), Supports, PartiallySupports, None) {
		if !strings.Contains(doc, "| `"+s+"` |") {
			t.Errorf("docs/mapping.md has no table row for %q", s)
		}
	}
}
