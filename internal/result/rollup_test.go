package result

import "testing"

func targets(statuses ...string) []Target {
	var ts []Target
	for _, s := range statuses {
		ts = append(ts, Target{Status: s})
	}
	return ts
}

func TestRollUp(t *testing.T) {
	cases := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{Pass, Pass}, Pass},
		{[]string{Pass, NotApplicable}, Pass},
		{[]string{NotApplicable, NotApplicable}, NotApplicable},
		{[]string{Pass, Fail, Error, NoEvidence}, Fail},
		{[]string{Pass, Error, NoEvidence}, Error},
		{[]string{Pass, NoEvidence}, NoEvidence},
		{[]string{NotApplicable, NoEvidence}, NoEvidence},
		{[]string{Pass, Manual}, Manual},
		{[]string{Pass, Waived}, Waived},
		{[]string{Waived, Fail}, Fail},
	}
	for _, c := range cases {
		if got := RollUp(targets(c.in...)); got != c.want {
			t.Errorf("RollUp(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRecount(t *testing.T) {
	r := RuleResult{Scope: "object", Status: Pass, Targets: []Target{
		{Status: Fail, Object: &ObjectRef{Kind: "Pod", Name: "a"}}, {Status: Waived, Underlying: Fail, Object: &ObjectRef{Kind: "Pod", Name: "b"}}},
		TargetsOmitted: 10}
	Recount(&r)
	if r.Status != Fail || r.Counts[Pass] != 10 || r.Counts[Fail] != 1 || r.Counts[Waived] != 1 {
		t.Fatalf("%s %v", r.Status, r.Counts)
	}
	if r.CountSummary != "FAIL on 1 of 12 pod objects (1 WAIVED, 10 PASS)" {
		t.Errorf("summary %q", r.CountSummary)
	}
	n := RuleResult{Scope: "component", Status: NoEvidence}
	Recount(&n)
	if n.Status != NoEvidence || len(n.Counts) != 0 {
		t.Errorf("a rule without targets changed: %s %v", n.Status, n.Counts)
	}
}

func TestSortTargets(t *testing.T) {
	ts := []Target{{Node: "b"}, {Node: "a", Component: "kubelet"}, {Node: "a", Object: &ObjectRef{Kind: "Pod", Namespace: "x", Name: "p"}}, {Node: "a"}}
	SortTargets(ts)
	if ts[0].Node != "a" || ts[0].Component != "" || ts[0].Object != nil || ts[1].Object == nil || ts[2].Component != "kubelet" || ts[3].Node != "b" {
		t.Errorf("order: %+v", ts)
	}
}
