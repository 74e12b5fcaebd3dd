package mapping

import (
	"bytes"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
)

//go:embed data/crosswalk.csv data/catalog.csv
var data embed.FS

// Limits on crosswalk files (they come from users).
const (
	MaxFileSize = 8 << 20 // bytes
	maxNote     = 2000    // characters of a note
	maxTitle    = 300     // characters of a title
	maxErrors   = 25      // problems reported per file before giving up
)

// Columns of a crosswalk file, in the order written by kubeproof. Files may order them
// freely (the header names them); title is optional.
var crosswalkColumns = []string{"rule", "framework", "control", "relation", "note"}

// LineError is a problem at one line of a crosswalk or catalog file.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

var (
	builtinOnce = sync.OnceValues(loadBuiltin)
	catalogOnce = sync.OnceValues(loadCatalog)
)

// Builtin returns the built-in crosswalk (parsed once; the result is shared and immutable).
func Builtin() (*Mapping, error) { return builtinOnce() }

func loadBuiltin() (*Mapping, error) {
	b, err := data.ReadFile("data/crosswalk.csv")
	if err != nil {
		return nil, fmt.Errorf("built-in crosswalk: %w", err)
	}
	m, err := Parse("builtin:crosswalk.csv", b)
	if err != nil {
		return nil, fmt.Errorf("built-in crosswalk: %w", err)
	}
	m.builtin, m.files, m.own = BuiltinVersion, nil, nil
	return m, nil
}

func loadCatalog() (map[string]map[string]string, error) {
	b, err := data.ReadFile("data/catalog.csv")
	if err != nil {
		return nil, fmt.Errorf("built-in catalog: %w", err)
	}
	return parseCatalog("builtin:catalog.csv", b)
}

// LoadFile reads an organisation's crosswalk file (same CSV format as the built-in one:
// header rule,framework,control,relation,note and optionally title). Errors name file:line.
func LoadFile(path string) (*Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("crosswalk file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("crosswalk file %q: %w", path, err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("crosswalk file %q: larger than %d bytes", path, MaxFileSize)
	}
	return Parse(path, b)
}

// Parse reads a crosswalk named name (used in errors and in Info). It checks every row and
// reports every problem (up to a limit), each as a *LineError joined with errors.Join.
// The result, used alone, holds just the file's rows; use it with Builtin().With.
func Parse(name string, b []byte) (*Mapping, error) {
	cat, err := catalogOnce()
	if err != nil {
		return nil, err
	}
	p := &parser{name: name, cat: cat, seen: map[triple]int{}, titleAt: map[[2]string]int{}}
	rows, titles := p.parse(b)
	if err := p.err(); err != nil {
		return nil, err
	}
	m := newMapping()
	m.files = []string{name}
	m.raw = rows
	for fw, t := range cat {
		for c, title := range t {
			m.setTitle(fw, c, title)
		}
	}
	m.own = titles
	for fw, t := range titles {
		for c, title := range t {
			m.setTitle(fw, c, title)
		}
	}
	m.apply(rows)
	return m, nil
}

type parser struct {
	name    string
	cat     map[string]map[string]string
	errs    []*LineError
	more    int
	seen    map[triple]int    // row key → line
	titleAt map[[2]string]int // (framework, control) → line of its title
	lines   []int             // line of each row, parallel to rows
}

func (p *parser) errorf(line int, format string, a ...any) {
	if len(p.errs) >= maxErrors {
		p.more++
		return
	}
	p.errs = append(p.errs, &LineError{File: p.name, Line: line, Msg: fmt.Sprintf(format, a...)})
}

func (p *parser) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
	errs := make([]error, 0, len(p.errs)+1)
	for _, e := range p.errs {
		errs = append(errs, e)
	}
	if p.more > 0 {
		errs = append(errs, fmt.Errorf("%s: %d more problems not shown", p.name, p.more))
	}
	return errors.Join(errs...)
}

// parse reads the records; it returns the rows and the titles the file gives.
func (p *parser) parse(b []byte) ([]Row, map[string]map[string]string) {
	r := newCSVReader(b)
	cols, ok := p.header(r, crosswalkColumns, []string{"title"})
	if !ok {
		return nil, nil
	}
	var rows []Row
	titles := map[string]map[string]string{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			p.csvError(err)
			break
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(cols) {
			p.errorf(line, "%d fields, the header has %d (quote fields that contain commas)", len(rec), len(cols))
			continue
		}
		row, title, ok := p.row(line, fields(rec, cols))
		if !ok {
			continue
		}
		if title != "" {
			p.title(line, titles, row.Framework, row.Control, title)
		}
		rows = append(rows, row)
		p.lines = append(p.lines, line)
	}
	p.known(rows, titles)
	return rows, titles
}

// header reads the header record and returns column name → index.
func (p *parser) header(r *csv.Reader, required, optional []string) (map[string]int, bool) {
	rec, err := r.Read()
	if err == io.EOF {
		p.errorf(1, "no header: the first line must be %q", strings.Join(required, ","))
		return nil, false
	}
	if err != nil {
		p.csvError(err)
		return nil, false
	}
	line, _ := r.FieldPos(0)
	cols := map[string]int{}
	for i, h := range rec {
		h = strings.ToLower(strings.TrimSpace(h))
		if !contains(required, h) && !contains(optional, h) {
			p.errorf(line, "unknown column %q in the header; columns are %s", h, strings.Join(append(append([]string(nil), required...), optional...), ", "))
			continue
		}
		if _, dup := cols[h]; dup {
			p.errorf(line, "column %q appears twice in the header", h)
			continue
		}
		cols[h] = i
	}
	for _, c := range required {
		if _, ok := cols[c]; !ok {
			p.errorf(line, "header lacks column %q; the header must name %s", c, strings.Join(required, ","))
		}
	}
	return cols, len(p.errs) == 0
}

func (p *parser) csvError(err error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		p.errorf(pe.Line, "malformed CSV: %v", pe.Err)
		return
	}
	p.errorf(0, "malformed CSV: %v", err)
}

// row checks one record. f maps column name → trimmed value.
func (p *parser) row(line int, f map[string]string) (Row, string, bool) {
	r := Row{Rule: f["rule"], Framework: f["framework"], Control: normalizeControl(f["control"]),
		Relation: strings.ToLower(f["relation"]), Note: f["note"], Source: fmt.Sprintf("%s:%d", p.name, line)}
	n := len(p.errs) + p.more
	fw, fwOK := frameworkByKey(r.Framework)
	switch {
	case r.Rule == "":
		p.errorf(line, "empty rule id")
	case !ruleID.MatchString(r.Rule):
		p.errorf(line, "rule id %q is not well-formed (letters, digits, '.', '_', '-'; e.g. \"1.2.1\")", r.Rule)
	}
	if !fwOK {
		p.errorf(line, "unknown framework %q; frameworks are %s", r.Framework, frameworkKeys())
	}
	switch r.Relation {
	case Supports, PartiallySupports, None:
	default:
		p.errorf(line, "unknown relation %q; relations are %s, %s, %s", f["relation"], Supports, PartiallySupports, None)
	}
	switch {
	case r.Control == idAny:
		if r.Relation != None {
			p.errorf(line, "control \"*\" is only allowed with relation %q", None)
		}
	case r.Control == "":
		p.errorf(line, "empty control id (use \"*\" with relation %q to state that no control applies)", None)
	case fwOK && !fw.id.MatchString(r.Control):
		p.errorf(line, "control %q is not a well-formed %s id; expected %s", f["control"], r.Framework, fw.form)
	}
	switch {
	case r.Note == "" && r.Relation == None:
		p.errorf(line, "empty note: a %q row must give the reason", None)
	case r.Note == "":
		p.errorf(line, "empty note: every row needs a provenance note saying why the rule is evidence for the control")
	case len(r.Note) > maxNote:
		p.errorf(line, "note longer than %d characters", maxNote)
	}
	title := f["title"]
	if len(title) > maxTitle {
		p.errorf(line, "title longer than %d characters", maxTitle)
	}
	if len(p.errs)+p.more != n {
		return Row{}, "", false
	}
	k := triple{r.Rule, r.Framework, r.Control}
	if first, dup := p.seen[k]; dup {
		p.errorf(line, "duplicate row for rule %s, %s %s (first at line %d)", r.Rule, r.Framework, r.Control, first)
		return Row{}, "", false
	}
	p.seen[k] = line
	return r, title, true
}

// title records a title a file gives for a control; two different titles conflict.
func (p *parser) title(line int, titles map[string]map[string]string, fw, control, title string) {
	if control == idAny {
		p.errorf(line, "a title needs a control id, not \"*\"")
		return
	}
	if old, ok := titles[fw][control]; ok && old != title {
		p.errorf(line, "control %s %s has a different title at line %d", fw, control, p.titleAt[[2]string{fw, control}])
		return
	}
	if titles[fw] == nil {
		titles[fw] = map[string]string{}
	}
	titles[fw][control] = title
	p.titleAt[[2]string{fw, control}] = line
}

// known checks that every mapped control has a title: in the catalog or in the file.
func (p *parser) known(rows []Row, titles map[string]map[string]string) {
	for i, r := range rows {
		if r.Relation == None {
			continue
		}
		if _, ok := p.cat[r.Framework][r.Control]; ok {
			continue
		}
		if _, ok := titles[r.Framework][r.Control]; ok {
			continue
		}
		p.errorf(p.lines[i], "control %q is not in the built-in %s catalog; add a title column giving a short title for it (or check the id)", r.Control, r.Framework)
	}
}

// parseCatalog reads a catalog file: framework,control,title.
func parseCatalog(name string, b []byte) (map[string]map[string]string, error) {
	p := &parser{name: name}
	r := newCSVReader(b)
	cols, ok := p.header(r, []string{"framework", "control", "title"}, nil)
	cat := map[string]map[string]string{}
	for ok {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			p.csvError(err)
			break
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(cols) {
			p.errorf(line, "%d fields, the header has %d", len(rec), len(cols))
			continue
		}
		f := fields(rec, cols)
		fw, c, title := f["framework"], f["control"], f["title"]
		switch {
		case !WellFormed(fw, c):
			p.errorf(line, "control %q is not a well-formed id of framework %q", c, fw)
		case title == "" || len(title) > maxTitle:
			p.errorf(line, "control %s %s: title must be 1 to %d characters", fw, c, maxTitle)
		case cat[fw][c] != "":
			p.errorf(line, "control %s %s listed twice", fw, c)
		default:
			if cat[fw] == nil {
				cat[fw] = map[string]string{}
			}
			cat[fw][c] = title
		}
	}
	return cat, p.err()
}

func newCSVReader(b []byte) *csv.Reader {
	b = bytes.TrimPrefix(b, []byte("\ufeff")) // spreadsheets write a byte-order mark
	r := csv.NewReader(bytes.NewReader(b))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	return r
}

func fields(rec []string, cols map[string]int) map[string]string {
	f := make(map[string]string, len(cols))
	for name, i := range cols {
		f[name] = strings.TrimSpace(rec[i])
	}
	return f
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
