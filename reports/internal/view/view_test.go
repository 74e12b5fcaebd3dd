package view

import (
	"testing"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/fixture"
)

func TestCompareIDs(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool
	}{{"1.2.9", "1.2.10", true}, {"1.2.10", "1.2.9", false}, {"2", "2.1", true}, {"5.7.4", "10.1", true}, {"a", "b", true}} {
		if got := CompareIDs(c.a, c.b) < 0; got != c.less {
			t.Errorf("CompareIDs(%q, %q) < 0 = %v, want %v", c.a, c.b, got, c.less)
		}
	}
}

func TestCountAndTruncate(t *testing.T) {
	if got := Count(100000); got != "100,000" {
		t.Errorf("Count = %q", got)
	}
	if got := Count(-1234); got != "-1,234" {
		t.Errorf("Count(-1234) = %q", got)
	}
	if got := Truncate("платежи", 4); got != "пла…" {
		t.Errorf("Truncate = %q", got)
	}
}

func TestStampAndEvidence(t *testing.T) {
	if Stamp(fixture.Report()) != "VERIFIED EVIDENCE" || Stamp(fixture.Unverified()) != "UNVERIFIED EVIDENCE" {
		t.Error("stamps wrong")
	}
	r := fixture.Report()
	r.Bundles[0].Verified = false // verified flag set but one bundle failed: never VERIFIED
	if Stamp(r) != "UNVERIFIED EVIDENCE" {
		t.Error("a failed bundle must give UNVERIFIED EVIDENCE")
	}
	seen := map[string]bool{}
	for _, m := range Evidence(fixture.Report()) {
		k := m.Bundle + m.Member
		if seen[k] || m.Rules == 0 {
			t.Errorf("evidence member %s listed twice or cited by no rule", k)
		}
		seen[k] = true
	}
	if len(seen) == 0 {
		t.Error("no evidence members")
	}
	if got := Target(result.Target{}); got != "cluster" {
		t.Errorf("Target(empty) = %q", got)
	}
}
