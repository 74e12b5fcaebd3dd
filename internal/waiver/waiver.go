// Package waiver reads waiver files and applies them to an analysis result.
//
// A waiver file (docs/waivers.md) is a YAML list of waivers. Each waiver names a rule, a
// selector of the targets it covers (node, component, namespace, object name, kind, file;
// path.Match globs), a category, a justification, an approver and an expiry date. A valid
// waiver that matches a FAIL, MANUAL or NO_EVIDENCE target turns it WAIVED and keeps the
// underlying status; an expired waiver never applies and is listed; a valid waiver that
// matches nothing is listed as unused.
package waiver

import (
	"fmt"
	"os"
	"path"
	"time"

	"github.com/kubeproof/kubeproof/internal/result"
)

// Categories of a waiver.
const (
	FalsePositive = "false-positive"
	NotApplicable = "not-applicable"
	RiskAccepted  = "risk-accepted"
)

// DateLayout is the layout of a waiver's expiry date.
const DateLayout = "2006-01-02"

// Waiver is one entry of a waiver file.
type Waiver struct {
	ID            string
	Rule          string // rule id or glob ("5.2.*")
	Selector      Selector
	Category      string
	Justification string
	Approver      string
	Expires       string // YYYY-MM-DD; the waiver is valid through that day
	Line          int    // line of the entry in the waiver file

	expires time.Time
}

// Selector picks the targets of a rule a waiver covers. Each non-empty field is a
// path.Match pattern that the target's field must match; empty fields match anything. A
// Namespace object counts as being in the namespace it names.
type Selector struct {
	Node      string
	Component string
	Namespace string
	Name      string // object name
	Kind      string // object kind
	File      string // host path of a file target
}

// Set is a parsed waiver file.
type Set struct {
	Name    string // the file name as given, reported in errors and in report.json
	Waivers []Waiver
}

// Load reads and parses the waiver file at path p.
func Load(p string) (*Set, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reading waiver file: %w", err)
	}
	return Parse(p, data)
}

// Expired reports whether the waiver no longer applies on day today (a waiver is valid
// through its expiry date, compared as calendar dates in UTC).
func (w *Waiver) Expired(today time.Time) bool {
	y, m, d := today.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(w.expires)
}

// waivable reports whether a target status may be waived. PASS, NOT_APPLICABLE and WAIVED
// targets need no waiver; an ERROR is a problem of the tool or the rule, which a waiver
// must not hide.
func waivable(status string) bool {
	return status == result.Fail || status == result.Manual || status == result.NoEvidence
}

// matches reports whether the waiver covers target t of rule ruleID. Patterns were
// validated when parsing, so path.Match cannot fail here.
func (w *Waiver) matches(ruleID string, t *result.Target) bool {
	var ns, name, kind string
	if t.Object != nil {
		ns, name, kind = t.Object.Namespace, t.Object.Name, t.Object.Kind
		if kind == "Namespace" { // a Namespace object is "in" the namespace it is
			ns = name
		}
	}
	s := w.Selector
	return glob(w.Rule, ruleID) && glob(s.Node, t.Node) && glob(s.Component, t.Component) &&
		glob(s.Namespace, ns) && glob(s.Name, name) && glob(s.Kind, kind) && glob(s.File, t.File)
}

func glob(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := path.Match(pattern, s)
	return ok
}

// Apply applies the set to rep on day today: each waivable target gets the first valid
// waiver (in file order) that matches it. Rules whose targets changed are recounted
// (result.Recount), and rep.Waivers lists the applied waivers with their target counts, the
// expired ones and the unused ones, all in file order. Call it before computing summaries
// and framework roll-ups.
func (s *Set) Apply(rep *result.Report, today time.Time) {
	var valid []*Waiver
	out := result.Waivers{File: s.Name, Applied: []result.WaiverUse{}, Expired: []result.WaiverRecord{}, Unused: []result.WaiverRecord{}}
	for i := range s.Waivers {
		w := &s.Waivers[i]
		if w.Expired(today) {
			out.Expired = append(out.Expired, w.record())
			continue
		}
		valid = append(valid, w)
	}
	used := make([]int, len(valid))
	for i := range rep.Results {
		if applyRule(&rep.Results[i], valid, used) {
			result.Recount(&rep.Results[i])
		}
	}
	for i, w := range valid {
		if used[i] == 0 {
			out.Unused = append(out.Unused, w.record())
			continue
		}
		out.Applied = append(out.Applied, result.WaiverUse{WaiverRecord: w.record(), Targets: used[i]})
	}
	rep.Waivers = out
}

func applyRule(r *result.RuleResult, valid []*Waiver, used []int) bool {
	changed := false
	for j := range r.Targets {
		t := &r.Targets[j]
		if !waivable(t.Status) {
			continue
		}
		for k, w := range valid {
			if w.matches(r.RuleID, t) {
				t.Underlying, t.Status = t.Status, result.Waived
				t.Waiver = w.applied()
				used[k]++
				changed = true
				break
			}
		}
	}
	return changed
}

func (w *Waiver) applied() *result.AppliedWaiver {
	return &result.AppliedWaiver{ID: w.ID, Category: w.Category, Justification: w.Justification, Approver: w.Approver, Expires: w.Expires}
}

func (w *Waiver) record() result.WaiverRecord {
	return result.WaiverRecord{AppliedWaiver: *w.applied(), RuleID: w.Rule, Selector: w.Selector.fields(), Line: w.Line}
}

// fields returns the selector's non-empty fields by their file names (nil when empty).
func (s Selector) fields() map[string]string {
	m := map[string]string{}
	for k, v := range map[string]string{"node": s.Node, "component": s.Component, "namespace": s.Namespace,
		"name": s.Name, "kind": s.Kind, "file": s.File} {
		if v != "" {
			m[k] = v
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}
