package waiver

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ParseError is one problem in a waiver file, at a line and column.
type ParseError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

const fileHint = "a waiver file is a YAML list of waivers with id, rule, selector, category, justification, approver and expires (see docs/waivers.md)"

// Parse parses a waiver file's content; name is the file name used in errors. It reports
// every problem it finds (errors.Join of *ParseError, in line order), not just the first.
func Parse(name string, data []byte) (*Set, error) {
	p := &parser{file: name, ids: map[string]int{}}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w (%s)", name, err, fileHint)
	}
	set := &Set{Name: name}
	if root.Kind == 0 || len(root.Content) == 0 { // empty file: no waivers
		return set, nil
	}
	doc := root.Content[0]
	if doc.Kind != yaml.SequenceNode {
		p.fail(doc, "the file must be a YAML list of waivers; "+fileHint)
		return nil, p.err()
	}
	for _, item := range doc.Content {
		if w, ok := p.waiver(item); ok {
			set.Waivers = append(set.Waivers, w)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return set, nil
}

type parser struct {
	file string
	errs []*ParseError
	ids  map[string]int // waiver id → line of first use
}

func (p *parser) fail(n *yaml.Node, msg string) {
	p.errs = append(p.errs, &ParseError{File: p.file, Line: n.Line, Col: n.Column, Msg: msg})
}

func (p *parser) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	sort.SliceStable(p.errs, func(i, j int) bool {
		a, b := p.errs[i], p.errs[j]
		return a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col)
	})
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

var categories = map[string]bool{FalsePositive: true, NotApplicable: true, RiskAccepted: true}

// waiver decodes one list item; ok is false when it has problems (recorded in p).
func (p *parser) waiver(n *yaml.Node) (Waiver, bool) {
	w := Waiver{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		p.fail(n, "a waiver must be a mapping with id, rule, selector, category, justification, approver and expires")
		return w, false
	}
	before := len(p.errs)
	fields := p.mapping(n, "waiver", []string{"id", "rule", "selector", "category", "justification", "approver", "expires"})
	w.ID = p.required(n, fields, "id")
	w.Rule = p.required(n, fields, "rule")
	w.Category = p.required(n, fields, "category")
	w.Justification = p.required(n, fields, "justification")
	w.Approver = p.required(n, fields, "approver")
	w.Expires = p.required(n, fields, "expires")
	if sel, ok := fields["selector"]; ok {
		w.Selector = p.selector(sel)
	}
	p.check(&w, fields)
	return w, len(p.errs) == before
}

func (p *parser) check(w *Waiver, fields map[string]*yaml.Node) {
	if w.ID != "" {
		if line, dup := p.ids[w.ID]; dup {
			p.fail(fields["id"], fmt.Sprintf("waiver id %q is already used on line %d; ids must be unique", w.ID, line))
		} else {
			p.ids[w.ID] = fields["id"].Line
		}
	}
	if w.Rule != "" {
		p.pattern(fields["rule"], "rule", w.Rule)
	}
	if w.Category != "" && !categories[w.Category] {
		p.fail(fields["category"], fmt.Sprintf("category %q is not one of false-positive, not-applicable, risk-accepted", w.Category))
	}
	if w.Expires != "" {
		t, err := time.Parse(DateLayout, w.Expires)
		if err != nil {
			p.fail(fields["expires"], fmt.Sprintf("expires %q is not a date in the form YYYY-MM-DD", w.Expires))
		}
		w.expires = t
	}
}

// mapping returns a mapping's scalar keys → value nodes, recording unknown, duplicate and
// non-scalar keys.
func (p *parser) mapping(n *yaml.Node, what string, known []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode:
			p.fail(k, fmt.Sprintf("%s keys must be plain names", what))
		case !contains(known, k.Value):
			p.fail(k, fmt.Sprintf("unknown %s field %q (known: %s)", what, k.Value, strings.Join(known, ", ")))
		case out[k.Value] != nil:
			p.fail(k, fmt.Sprintf("%s field %q is given twice", what, k.Value))
		default:
			out[k.Value] = v
		}
	}
	return out
}

// required returns a required string field, recording a problem when it is missing,
// empty or not a string.
func (p *parser) required(n *yaml.Node, fields map[string]*yaml.Node, key string) string {
	v, ok := fields[key]
	if !ok {
		p.fail(n, fmt.Sprintf("waiver is missing %q", key))
		return ""
	}
	s, ok := p.scalar(v, key)
	if ok && strings.TrimSpace(s) == "" {
		p.fail(v, fmt.Sprintf("%q must not be empty", key))
	}
	return strings.TrimSpace(s)
}

func (p *parser) scalar(v *yaml.Node, key string) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		p.fail(v, fmt.Sprintf("%q must be a single value", key))
		return "", false
	}
	return v.Value, true
}

var selectorKeys = []string{"node", "component", "namespace", "name", "kind", "file"}

func (p *parser) selector(n *yaml.Node) Selector {
	var s Selector
	if n.Kind != yaml.MappingNode {
		p.fail(n, "selector must be a mapping of node, component, namespace, name, kind, file to glob patterns")
		return s
	}
	fields := p.mapping(n, "selector", selectorKeys)
	dst := map[string]*string{"node": &s.Node, "component": &s.Component, "namespace": &s.Namespace,
		"name": &s.Name, "kind": &s.Kind, "file": &s.File}
	for _, k := range selectorKeys {
		v, ok := fields[k]
		if !ok {
			continue
		}
		if val, ok := p.scalar(v, "selector."+k); ok {
			*dst[k] = val
			p.pattern(v, "selector."+k, val)
		}
	}
	return s
}

func (p *parser) pattern(n *yaml.Node, key, pat string) {
	if _, err := path.Match(pat, ""); err != nil {
		p.fail(n, fmt.Sprintf("%s %q is not a valid glob pattern (path.Match syntax: * ? [a-z])", key, pat))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
