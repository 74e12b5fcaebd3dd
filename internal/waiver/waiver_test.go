package waiver

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeproof/kubeproof/internal/result"
)

const sample = `# waivers for the demo cluster
- id: W-1
  rule: "5.2.*"
  selector: {namespace: kube-system}
  category: risk-accepted
  justification: System components need host access.
  approver: Jane Doe
  expires: 2027-01-31
- id: W-2
  rule: "1.2.15"
  selector:
    node: cp-*
    component: kube-apiserver
  category: false-positive
  justification: Profiling is blocked by a network policy.
  approver: sec-team
  expires: "2026-06-30"
- id: W-3
  rule: "4.2.13"
  category: not-applicable
  justification: Unused.
  approver: ops
  expires: 2027-12-31
- id: W-4
  rule: "5.2.2"
  selector: {namespace: kube-*}
  category: risk-accepted
  justification: Covered by W-1 already; never reached.
  approver: ops
  expires: 2027-12-31
`

func day(s string) time.Time {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParse(t *testing.T) {
	set, err := Parse("waivers.yaml", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Waivers) != 4 {
		t.Fatalf("got %d waivers", len(set.Waivers))
	}
	w := set.Waivers[1]
	if w.ID != "W-2" || w.Rule != "1.2.15" || w.Selector.Node != "cp-*" || w.Selector.Component != "kube-apiserver" ||
		w.Category != FalsePositive || w.Approver != "sec-team" || w.Expires != "2026-06-30" || w.Line != 9 {
		t.Errorf("waiver 2 = %+v", w)
	}
	if set.Waivers[0].Expires != "2027-01-31" {
		t.Errorf("unquoted date read as %q", set.Waivers[0].Expires)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, data := range []string{"", "# nothing yet\n", "[]\n"} {
		set, err := Parse("w.yaml", []byte(data))
		if err != nil || len(set.Waivers) != 0 {
			t.Errorf("Parse(%q) = %v, %v", data, set, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"not a list", "id: x\n", "w.yaml:1:1: the file must be a YAML list"},
		{"item not a mapping", "- just text\n", "w.yaml:1:3: a waiver must be a mapping"},
		{"missing fields", "- id: a\n  rule: \"1.1.1\"\n", `w.yaml:1:3: waiver is missing "category"`},
		{"unknown field", "- id: a\n  rul: x\n", `w.yaml:2:3: unknown waiver field "rul"`},
		{"bad category", ok("category: fp"), `w.yaml:4:13: category "fp" is not one of false-positive`},
		{"bad date", ok("expires: 31.12.2027"), `expires "31.12.2027" is not a date in the form YYYY-MM-DD`},
		{"impossible date", ok("expires: 2027-02-30"), `expires "2027-02-30" is not a date`},
		{"empty justification", ok("justification: \"  \""), `"justification" must not be empty`},
		{"list as value", ok("approver: [a, b]"), `"approver" must be a single value`},
		{"null value", ok("approver: ~"), `"approver" must be a single value`},
		{"bad glob", ok("rule: \"[1\""), `rule "[1" is not a valid glob pattern`},
		{"bad selector glob", ok("selector: {node: \"[\"}"), `selector.node "[" is not a valid glob`},
		{"unknown selector key", ok("selector: {pod: x}"), `unknown selector field "pod"`},
		{"selector not a mapping", ok("selector: x"), "selector must be a mapping"},
		{"field twice", ok("approver: b"), `waiver field "approver" is given twice`},
		{"yaml syntax", "- id: [\n", "w.yaml: yaml: line"},
	}
	for _, c := range cases {
		_, err := Parse("w.yaml", []byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// ok returns a valid waiver with one extra line appended (which may override a field).
func ok(extra string) string {
	base := "- id: a\n  rule: \"1.1.1\"\n  justification: j\n  " + extra + "\n  approver: a\n  expires: 2027-01-01\n"
	if !strings.HasPrefix(extra, "category") {
		base += "  category: risk-accepted\n"
	}
	if strings.HasPrefix(extra, "approver") {
		base = strings.Replace(base, "  approver: a\n", "", 1)
		if extra == "approver: b" {
			base += "  approver: a\n"
		}
	}
	if strings.HasPrefix(extra, "expires") {
		base = strings.Replace(base, "  expires: 2027-01-01\n", "", 1)
	}
	if strings.HasPrefix(extra, "justification") {
		base = strings.Replace(base, "  justification: j\n", "", 1)
	}
	if strings.HasPrefix(extra, "rule") {
		base = strings.Replace(base, "  rule: \"1.1.1\"\n", "", 1)
	}
	return base
}

func TestParseReportsEveryProblemInLineOrder(t *testing.T) {
	data := "- id: a\n  rule: x\n  category: nope\n  justification: j\n  approver: a\n  expires: soon\n- id: a\n  rule: y\n  category: risk-accepted\n  justification: j\n  approver: a\n  expires: 2027-01-01\n"
	_, err := Parse("w.yaml", []byte(data))
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"w.yaml:3:13: category", "w.yaml:6:12: expires", "w.yaml:7:7: waiver id \"a\" is already used on line 1"}
	if len(lines) != len(want) {
		t.Fatalf("got %d problems:\n%v", len(lines), err)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("problem %d = %q, want prefix %q", i, lines[i], want[i])
		}
	}
}

func TestLoad(t *testing.T) {
	p := filepath.Join(t.TempDir(), "waivers.yaml")
	if err := os.WriteFile(p, []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := Load(p)
	if err != nil || set.Name != p || len(set.Waivers) != 4 {
		t.Fatalf("Load = %+v, %v", set, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "reading waiver file") {
		t.Errorf("missing file error = %v", err)
	}
}

func TestExpired(t *testing.T) {
	set, _ := Parse("w", []byte(sample))
	w := set.Waivers[1] // expires 2026-06-30
	for _, c := range []struct {
		now  time.Time
		want bool
	}{
		{day("2026-06-29"), false},
		{time.Date(2026, 6, 30, 23, 59, 0, 0, time.UTC), false},
		{day("2026-07-01"), true},
		// 2026-07-01 00:30 in UTC+2 is still 2026-06-30 in UTC
		{time.Date(2026, 7, 1, 0, 30, 0, 0, time.FixedZone("CEST", 2*3600)), false},
	} {
		if got := w.Expired(c.now); got != c.want {
			t.Errorf("Expired(%v) = %v, want %v", c.now, got, c.want)
		}
	}
}

func target(node, comp string, obj *result.ObjectRef, status string) result.Target {
	return result.Target{Node: node, Component: comp, Object: obj, Status: status, Evidence: []result.EvidenceRef{}}
}

func report() *result.Report {
	pod := func(ns, name string) *result.ObjectRef {
		return &result.ObjectRef{Kind: "Pod", Namespace: ns, Name: name}
	}
	rep := &result.Report{Results: []result.RuleResult{
		{RuleID: "1.2.15", Scope: "component", Targets: []result.Target{
			target("cp-1", "kube-apiserver", nil, result.Fail),
			target("cp-2", "kube-apiserver", nil, result.Pass),
			target("worker-1", "kube-apiserver", nil, result.Fail),
		}},
		{RuleID: "5.2.2", Scope: "object", TargetsOmitted: 10, Targets: []result.Target{
			target("", "", pod("kube-system", "kube-proxy-x"), result.Fail),
			target("", "", pod("kube-system", "broken"), result.Error),
			target("", "", pod("apps", "web"), result.Fail),
		}},
		{RuleID: "5.2.5", Scope: "object", Targets: []result.Target{
			target("", "", pod("kube-system", "etcd-cp-1"), result.Fail),
			target("", "", &result.ObjectRef{Kind: "Namespace", Name: "kube-system"}, result.Manual),
		}},
		{RuleID: "4.2.13", Scope: "component", Targets: []result.Target{target("worker-1", "kubelet", nil, result.Pass)}},
	}}
	for i := range rep.Results {
		result.Recount(&rep.Results[i])
	}
	return rep
}

func TestApply(t *testing.T) {
	set, err := Parse("waivers.yaml", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	rep := report()
	set.Apply(rep, day("2026-07-15")) // W-2 (2026-06-30) has expired

	r := rep.Results[0] // 1.2.15: W-2 expired, nothing waived
	if r.Status != result.Fail || r.Targets[0].Status != result.Fail {
		t.Errorf("1.2.15 waived by an expired waiver: %+v", r)
	}
	r = rep.Results[1] // 5.2.2: W-1 waives kube-system FAIL, not the ERROR, not apps/web
	if got := r.Targets[0]; got.Status != result.Waived || got.Underlying != result.Fail || got.Waiver == nil || got.Waiver.ID != "W-1" ||
		got.Waiver.Approver != "Jane Doe" || got.Waiver.Expires != "2027-01-31" || got.Waiver.Category != RiskAccepted {
		t.Errorf("kube-proxy target = %+v (waiver %+v)", got, got.Waiver)
	}
	if r.Targets[1].Status != result.Error || r.Targets[2].Status != result.Fail || r.Status != result.Fail {
		t.Errorf("5.2.2 = %+v", r)
	}
	if r.Counts[result.Waived] != 1 || r.Counts[result.Fail] != 1 || r.Counts[result.Pass] != 10 {
		t.Errorf("5.2.2 counts = %v", r.Counts)
	}
	r = rep.Results[2] // 5.2.5: both kube-system targets (FAIL and MANUAL) waived → rule WAIVED
	if r.Status != result.Waived || r.Targets[1].Underlying != result.Manual {
		t.Errorf("5.2.5 = %+v", r)
	}
	if rep.Results[3].Targets[0].Status != result.Pass {
		t.Error("a PASS target was changed")
	}

	w := rep.Waivers
	if w.File != "waivers.yaml" || len(w.Applied) != 1 || w.Applied[0].ID != "W-1" || w.Applied[0].Targets != 3 ||
		w.Applied[0].RuleID != "5.2.*" || w.Applied[0].Selector["namespace"] != "kube-system" || w.Applied[0].Line != 2 {
		t.Errorf("applied = %+v", w.Applied)
	}
	if len(w.Expired) != 1 || w.Expired[0].ID != "W-2" || w.Expired[0].Line != 9 {
		t.Errorf("expired = %+v", w.Expired)
	}
	// W-3 matches only a PASS target; W-4 is shadowed by W-1: both unused, in file order.
	if len(w.Unused) != 2 || w.Unused[0].ID != "W-3" || w.Unused[1].ID != "W-4" || w.Unused[0].Selector != nil {
		t.Errorf("unused = %+v", w.Unused)
	}
}

func TestApplyBeforeExpiry(t *testing.T) {
	set, _ := Parse("waivers.yaml", []byte(sample))
	rep := report()
	set.Apply(rep, day("2026-06-30"))
	r := rep.Results[0]
	if r.Targets[0].Status != result.Waived || r.Targets[2].Status != result.Fail || r.Status != result.Fail {
		t.Errorf("1.2.15 with W-2 valid: %+v", r.Targets)
	}
	if len(rep.Waivers.Expired) != 0 {
		t.Errorf("expired = %+v", rep.Waivers.Expired)
	}
}

func TestApplyDeterministic(t *testing.T) {
	set, _ := Parse("waivers.yaml", []byte(sample))
	var outs []string
	for range 3 {
		rep := report()
		set.Apply(rep, day("2026-07-15"))
		b, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
	}
	if outs[0] != outs[1] || outs[1] != outs[2] {
		t.Error("Apply output differs between runs")
	}
	empty := &Set{Name: "none"}
	rep := report()
	empty.Apply(rep, day("2026-01-01"))
	b, _ := json.Marshal(rep.Waivers)
	if string(b) != `{"file":"none","applied":[],"expired":[],"unused":[]}` {
		t.Errorf("empty set waivers = %s", b)
	}
}

func TestSelectorFile(t *testing.T) {
	set, err := Parse("w", []byte("- id: f\n  rule: \"1.1.9\"\n  selector: {file: /etc/cni/net.d/*.conflist}\n  category: false-positive\n  justification: j\n  approver: a\n  expires: 2030-01-01\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep := &result.Report{Results: []result.RuleResult{{RuleID: "1.1.9", Scope: "file", Targets: []result.Target{
		{Node: "n", File: "/etc/cni/net.d/10-flannel.conflist", Status: result.Fail},
		{Node: "n", File: "/etc/cni/net.d/sub/x.conflist", Status: result.Fail},
	}}}}
	set.Apply(rep, day("2029-01-01"))
	if rep.Results[0].Targets[0].Status != result.Waived || rep.Results[0].Targets[1].Status != result.Fail {
		t.Errorf("file selector: %+v", rep.Results[0].Targets)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("")
	f.Add("- id: a\n  rule: \"[\"\n")
	f.Add("- &a {id: x}\n- *a\n")
	f.Add("{}")
	f.Fuzz(func(t *testing.T, data string) {
		set, err := Parse("fuzz.yaml", []byte(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		ids := map[string]bool{}
		for _, w := range set.Waivers {
			if w.ID == "" || w.Rule == "" || w.Justification == "" || w.Approver == "" || ids[w.ID] || !categories[w.Category] {
				t.Fatalf("invalid waiver accepted: %+v", w)
			}
			if _, err := time.Parse(DateLayout, w.Expires); err != nil {
				t.Fatalf("invalid date accepted: %q", w.Expires)
			}
			ids[w.ID] = true
		}
		rep := report()
		set.Apply(rep, day("2026-07-15"))
		if got := len(rep.Waivers.Applied) + len(rep.Waivers.Expired) + len(rep.Waivers.Unused); got != len(set.Waivers) {
			t.Fatalf("%d waivers accounted for, want %d", got, len(set.Waivers))
		}
	})
}
