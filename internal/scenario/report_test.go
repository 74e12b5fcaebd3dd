package scenario

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/internal/result"
)

// TestReportDeterministic: two analyses of the same bundles give byte-identical
// report.json (the report time comes from the bundles, not the clock).
func TestReportDeterministic(t *testing.T) {
	dir := t.TempDir()
	b := collectNode(t, scenarioHost("kubeadm-default"), dir)
	_, first := analyze(t, filepath.Join(dir, "out1"), []signedBundle{b})
	_, second := analyze(t, filepath.Join(dir, "out2"), []signedBundle{b})
	if !bytes.Equal(first, second) {
		t.Errorf("report.json differs between two runs on the same bundle (%d vs %d bytes)%s", len(first), len(second), firstDiff(first, second))
	}
}

// firstDiff shows where two byte slices first differ.
func firstDiff(a, b []byte) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			lo := max(0, i-80)
			return "\nfirst difference at byte " + strconv.Itoa(i) + ":\n  " + string(a[lo:min(len(a), i+80)]) + "\n  " + string(b[lo:min(len(b), i+80)])
		}
	}
	return ""
}

// TestNodeOnlyAssessmentListsSection5: without a cluster bundle, every recommendation is
// still listed; the object-level section 5 ones are NO_EVIDENCE with a reason, and none
// of section 5 is PASS or FAIL.
func TestNodeOnlyAssessmentListsSection5(t *testing.T) {
	dir := t.TempDir()
	b := collectNode(t, scenarioHost("kubeadm-default"), dir)
	rep, _ := analyze(t, filepath.Join(dir, "out"), []signedBundle{b})
	checkComplete(t, rep)
	n := 0
	for _, r := range rep.Results {
		if !strings.HasPrefix(r.RuleID, "5.") {
			continue
		}
		n++
		switch {
		case r.Scope == "object" && r.Status != result.NoEvidence:
			t.Errorf("%s (object scope) = %s without a cluster bundle, want NO_EVIDENCE", r.RuleID, r.Status)
		case r.Status == result.Pass || r.Status == result.Fail:
			t.Errorf("%s = %s without a cluster bundle", r.RuleID, r.Status)
		case r.Status == result.NoEvidence && !strings.Contains(r.Reason, "cluster bundle"):
			t.Errorf("%s NO_EVIDENCE reason %q does not say the cluster bundle is missing", r.RuleID, r.Reason)
		}
	}
	if n != 34 {
		t.Errorf("section 5 has %d recommendations in the report, want 34", n)
	}
	if got := len(idsWith(rep, result.NoEvidence, "5.")); got < 25 {
		t.Errorf("only %d section-5 recommendations are NO_EVIDENCE on a node-only assessment:\n%s", got, statusTable(rep, "5."))
	}
}
