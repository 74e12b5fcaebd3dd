// Package mapping relates benchmark rules to the controls of compliance frameworks
// (NIST SP 800-53 Rev. 5, PCI DSS v4.0.1, SOC 2 Trust Services Criteria) and rolls rule
// results up per control.
//
// The data is a crosswalk of rows {rule, framework, control, relation, note} and a catalog of
// every referenced control with a short title of our own; both are embedded CSV files
// (data/crosswalk.csv, data/catalog.csv). An organisation's own crosswalk in the same format
// adds to or replaces built-in rows (see With). docs/mapping.md explains the method, the
// sources, the relation types and the limits: a roll-up is evidence about a control, never
// a claim that the control is met.
//
// A Mapping is immutable once built; it is safe for concurrent use.
package mapping

import (
	"sort"

	"github.com/kubeproof/kubeproof/internal/result"
)

// Relations of a row.
const (
	// Supports: the rule checks a setting that directly implements part of the control;
	// a FAIL is direct evidence of a gap in that control.
	Supports = "supports"
	// PartiallySupports: the rule contributes to the control but covers a narrow aspect or
	// depends on a condition named in the note; the assessor weighs it.
	PartiallySupports = "partially-supports"
	// None: in a crosswalk file, removes rows. With control "*" it states, with a reason in
	// the note, that no control of the framework applies to the rule.
	None = "none"
)

// BuiltinVersion identifies the built-in crosswalk and catalogs; it is reported in
// report.json (mapping.builtin) and changes whenever the embedded data changes meaning.
const BuiltinVersion = "kubeproof-crosswalk/cis-1.12/v1"

// Row is one line of a crosswalk.
type Row struct {
	Rule      string // rule id, e.g. "1.2.1"
	Framework string // framework key, e.g. "nist-800-53-r5"
	Control   string // control id, e.g. "AC-6(5)"; "*" only in a pair-wide none row
	Relation  string // Supports, PartiallySupports or None
	Note      string // provenance: why the rule is evidence for the control (or why none is)
	Source    string // where the row comes from: "file:line"
}

type triple struct{ rule, fw, control string }
type pair struct{ rule, fw string }

// Mapping is a crosswalk with its catalogs: the built-in one, a parsed crosswalk file, or
// the built-in one extended by crosswalk files (With).
type Mapping struct {
	builtin string
	files   []string
	raw     []Row                        // the rows as read, in file order (a parsed file)
	titles  map[string]map[string]string // framework → control → title (built-in catalog + file titles)
	own     map[string]map[string]string // titles a parsed file gives itself, applied by With
	rows    map[triple]Row               // effective rows
	none    map[pair]Row                 // effective "no mapping" statements
}

func newMapping() *Mapping {
	return &Mapping{titles: map[string]map[string]string{}, rows: map[triple]Row{}, none: map[pair]Row{}}
}

// With returns a new Mapping: m with each user crosswalk applied in order. For each file,
// first its none rows remove: control "*" removes every row of that (rule, framework) and
// records the note as the reason there is no mapping; a named control removes that one row.
// Then its supports and partially-supports rows are added, replacing a row with the same
// (rule, framework, control). So a file extends the built-in rows by default, and replaces
// a rule's rows for a framework when it states "rule,framework,*,none,reason" followed by
// its own rows. Titles a file gives for controls are added to the catalog. m is unchanged.
func (m *Mapping) With(user ...*Mapping) *Mapping {
	out := m.clone()
	for _, u := range user {
		if u == nil {
			continue
		}
		out.apply(u.raw)
		out.files = append(out.files, u.files...)
		for fw, t := range u.own {
			for c, title := range t {
				out.setTitle(fw, c, title)
			}
		}
	}
	return out
}

func (m *Mapping) clone() *Mapping {
	c := newMapping()
	c.builtin = m.builtin
	c.files = append([]string(nil), m.files...)
	for fw, t := range m.titles {
		for id, title := range t {
			c.setTitle(fw, id, title)
		}
	}
	for k, r := range m.rows {
		c.rows[k] = r
	}
	for k, r := range m.none {
		c.none[k] = r
	}
	return c
}

// apply plays one file's rows onto m: removals first, then additions.
func (m *Mapping) apply(rows []Row) {
	for _, r := range rows {
		if r.Relation != None {
			continue
		}
		if r.Control != idAny {
			delete(m.rows, triple{r.Rule, r.Framework, r.Control})
			continue
		}
		for k := range m.rows {
			if k.rule == r.Rule && k.fw == r.Framework {
				delete(m.rows, k)
			}
		}
		m.none[pair{r.Rule, r.Framework}] = r
	}
	for _, r := range rows {
		if r.Relation == None {
			continue
		}
		m.rows[triple{r.Rule, r.Framework, r.Control}] = r
		delete(m.none, pair{r.Rule, r.Framework})
	}
}

func (m *Mapping) setTitle(fw, control, title string) {
	if m.titles[fw] == nil {
		m.titles[fw] = map[string]string{}
	}
	m.titles[fw][control] = title
}

// Controls returns, for every framework key, the ids of the controls ruleID is evidence
// for, in catalog order. Every framework key is present; its list is empty when the rule
// has no row for that framework (see NoMapping for a stated reason).
func (m *Mapping) Controls(ruleID string) map[string][]string {
	out := map[string][]string{}
	for _, f := range frameworks {
		out[f.info.Key] = []string{}
	}
	for k := range m.rows {
		if k.rule == ruleID {
			out[k.fw] = append(out[k.fw], k.control)
		}
	}
	for fw, ids := range out {
		sort.Slice(ids, func(i, j int) bool { return lessControl(fw, ids[i], ids[j]) })
	}
	return out
}

// NoMapping returns, per framework key, the stated reason why ruleID maps to no control of
// that framework (from a "none" row with control "*"); frameworks without one are absent.
func (m *Mapping) NoMapping(ruleID string) map[string]string {
	out := map[string]string{}
	for k, r := range m.none {
		if k.rule == ruleID {
			out[k.fw] = r.Note
		}
	}
	return out
}

// Rows returns the effective rows of framework fw ordered by control (catalog order), then
// rule (natural order); the stated "no mapping" rows of fw follow, ordered by rule.
func (m *Mapping) Rows(fw string) []Row {
	var rows, none []Row
	for k, r := range m.rows {
		if k.fw == fw {
			rows = append(rows, r)
		}
	}
	for k, r := range m.none {
		if k.fw == fw {
			none = append(none, r)
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Control != rows[j].Control {
			return lessControl(fw, rows[i].Control, rows[j].Control)
		}
		return naturalLess(rows[i].Rule, rows[j].Rule)
	})
	sort.Slice(none, func(i, j int) bool { return naturalLess(none[i].Rule, none[j].Rule) })
	return append(rows, none...)
}

// Title returns our short title of a control ("" when the catalog has none).
func (m *Mapping) Title(fw, control string) string { return m.titles[fw][control] }

// Info says which crosswalk this is: the built-in version and the user files, in order.
func (m *Mapping) Info() result.MappingInfo {
	return result.MappingInfo{Builtin: m.builtin, UserFiles: append([]string(nil), m.files...)}
}

// Frameworks describes the supported frameworks, in key order.
func (m *Mapping) Frameworks() []result.Framework {
	out := make([]result.Framework, len(frameworks))
	for i, f := range frameworks {
		out[i] = f.info
	}
	return out
}
