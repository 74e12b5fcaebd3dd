package rules

import (
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"go.yaml.in/yaml/v3"
)

// Error is one problem in a rule or test file, at a position in that file.
type Error struct {
	File    string
	Line    int // 1-based; 0 when unknown
	Col     int // 1-based; 0 when unknown
	Msg     string
	Snippet string // the offending source line with a caret under Col, when known
}

func (e *Error) Error() string {
	pos := e.File
	if e.Line > 0 {
		pos += fmt.Sprintf(":%d", e.Line)
		if e.Col > 0 {
			pos += fmt.Sprintf(":%d", e.Col)
		}
	}
	s := pos + ": " + e.Msg
	if e.Snippet != "" {
		s += "\n" + e.Snippet
	}
	return s
}

// LoadError collects every problem found while loading a rule directory.
type LoadError struct{ Errs []*Error }

func (e *LoadError) Error() string {
	var b strings.Builder
	for i, x := range e.Errs {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(x.Error())
	}
	return b.String()
}

// Set is a collection of rules keyed by id.
type Set struct{ byID map[string]*Rule }

// Rules returns every rule, in benchmark order (1.1.2 before 1.1.10).
func (s *Set) Rules() []*Rule {
	out := make([]*Rule, 0, len(s.byID))
	for _, r := range s.byID {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return CompareIDs(out[i].ID, out[j].ID) < 0 })
	return out
}

// Rule returns the rule with the given id.
func (s *Set) Rule(id string) (*Rule, bool) { r, ok := s.byID[id]; return r, ok }

// Len is the number of rules.
func (s *Set) Len() int { return len(s.byID) }

// Benchmark returns the rules that belong to benchmark b, in benchmark order.
func (s *Set) Benchmark(b string) []*Rule {
	var out []*Rule
	for _, r := range s.Rules() {
		if r.InBenchmark(b) {
			out = append(out, r)
		}
	}
	return out
}

// Benchmarks lists every benchmark id some rule belongs to, sorted.
func (s *Set) Benchmarks() []string {
	seen := map[string]bool{}
	for _, r := range s.byID {
		for _, b := range r.Benchmarks {
			seen[b] = true
		}
	}
	out := make([]string, 0, len(seen))
	for b := range seen {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}

// Override returns a new set: s with every rule of o added, replacing rules of the same id.
func (s *Set) Override(o *Set) *Set {
	n := &Set{byID: make(map[string]*Rule, len(s.byID)+len(o.byID))}
	for k, v := range s.byID {
		n.byID[k] = v
	}
	for k, v := range o.byID {
		n.byID[k] = v
	}
	return n
}

// CompareIDs orders recommendation ids numerically segment by segment ("1.2.9" < "1.2.10").
func CompareIDs(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if c := compareSegment(as[i], bs[i]); c != 0 {
			return c
		}
	}
	return len(as) - len(bs)
}

func compareSegment(a, b string) int {
	if len(a) != len(b) && isDigits(a) && isDigits(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// IsTestFile reports whether name is a rule test file (<id>.test.yaml).
func IsTestFile(name string) bool { return strings.HasSuffix(name, ".test.yaml") }

// LoadFS loads every rule file (*.yaml except *.test.yaml) directly in dir of fsys.
// display is prefixed to file names in errors (e.g. the directory as the user typed it).
// It reports every problem it finds, as a *LoadError, not just the first.
func LoadFS(fsys fs.FS, dir, display string) (*Set, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("listing rules in %q: %w", display, err)
	}
	set := &Set{byID: map[string]*Rule{}}
	le := &LoadError{}
	for _, name := range names {
		if IsTestFile(name) {
			continue
		}
		shown := path.Join(display, path.Base(name))
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			le.Errs = append(le.Errs, &Error{File: shown, Msg: err.Error()})
			continue
		}
		r, errs := ParseRule(shown, data)
		le.Errs = append(le.Errs, errs...)
		if r == nil {
			continue
		}
		if prev, dup := set.byID[r.ID]; dup {
			le.Errs = append(le.Errs, &Error{File: shown, Msg: fmt.Sprintf("rule id %q already defined in %s", r.ID, prev.Path)})
			continue
		}
		set.byID[r.ID] = r
	}
	if len(le.Errs) > 0 {
		return set, le
	}
	return set, nil
}

var (
	idPattern   = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)
	knownFields = yamlFields(reflect.TypeOf(Rule{}))
	validScopes = map[string]bool{ScopeComponent: true, ScopeFile: true, ScopeNode: true, ScopeObject: true, ScopeCluster: true, ScopeManual: true}
)

func yamlFields(t reflect.Type) map[string]bool {
	m := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
			m[tag] = true
		}
	}
	return m
}

// ParseRule parses and compiles one rule file. file names it in errors. It returns the rule
// (nil when it cannot be used) and every problem found.
func ParseRule(file string, data []byte) (*Rule, []*Error) {
	src := newSource(file, data)
	root, err := src.parse()
	if err != nil {
		return nil, []*Error{err}
	}
	var errs []*Error
	keys := mappingKeys(root)
	for k, kn := range keys {
		if !knownFields[k] {
			errs = append(errs, src.at(kn, 0, fmt.Sprintf("unknown field %q", k)))
		}
	}
	r := &Rule{Path: file}
	if err := root.Decode(r); err != nil {
		errs = append(errs, src.decodeError(err)...)
		return nil, errs
	}
	errs = append(errs, src.validate(r, keys)...)
	if len(errs) > 0 {
		return nil, errs
	}
	errs = append(errs, src.compile(r, keys)...)
	if len(errs) > 0 {
		return nil, errs
	}
	return r, nil
}

func (s *source) validate(r *Rule, keys map[string]*yaml.Node) []*Error {
	var errs []*Error
	bad := func(field, msg string) {
		errs = append(errs, s.at(keyOrRoot(keys, field), 0, msg))
	}
	if !idPattern.MatchString(r.ID) {
		bad("id", fmt.Sprintf("id %q is not a recommendation number like \"1.2.3\"", r.ID))
	} else if base := path.Base(s.file); base != r.ID+".yaml" {
		bad("id", fmt.Sprintf("rule id %q does not match its file name %q (want %s.yaml)", r.ID, base, r.ID))
	}
	if len(r.Benchmarks) == 0 {
		bad("benchmarks", "benchmarks is empty: list the benchmark ids the rule belongs to (e.g. [cis-1.12, cis-2.0.1])")
	}
	if strings.TrimSpace(r.Title) == "" {
		bad("title", "title is required")
	}
	if r.Level != "L1" && r.Level != "L2" {
		bad("level", fmt.Sprintf("level %q: want L1 or L2", r.Level))
	}
	if a := strings.ToLower(r.Assessment); a != "automated" && a != "manual" {
		bad("assessment", fmt.Sprintf("assessment %q: want automated or manual", r.Assessment))
	}
	errs = append(errs, s.validateScope(r, keys)...)
	return errs
}

func (s *source) validateScope(r *Rule, keys map[string]*yaml.Node) []*Error {
	var errs []*Error
	bad := func(field, msg string) { errs = append(errs, s.at(keyOrRoot(keys, field), 0, msg)) }
	if !validScopes[r.Scope] {
		bad("scope", fmt.Sprintf("scope %q: want one of component, file, node, object, cluster, manual", r.Scope))
		return errs
	}
	if r.Component != "" && !isComponent(r.Component) {
		bad("component", fmt.Sprintf("component %q: want one of %s", r.Component, strings.Join(Components, ", ")))
	}
	switch r.Scope {
	case ScopeComponent:
		if r.Component == "" {
			bad("scope", "scope component needs a component")
		}
	case ScopeFile:
		if len(r.Files) == 0 {
			bad("scope", "scope file needs files (setting: COMPONENT:KEY or role: ROLE)")
		}
		for _, f := range r.Files {
			if (f.Setting == "") == (f.Role == "") {
				bad("files", "each files entry needs exactly one of setting or role")
			} else if c, k := f.SettingParts(); f.Setting != "" && (!isComponent(c) || k == "") {
				bad("files", fmt.Sprintf("files setting %q: want COMPONENT:KEY, e.g. kube-apiserver:audit-policy-file", f.Setting))
			}
		}
	case ScopeObject:
		if len(r.Resources) == 0 {
			bad("scope", "scope object needs resources (plural API resource names, e.g. [pods])")
		}
	}
	if r.Scope == ScopeManual {
		if r.Check != "" {
			bad("check", "a manual-scope rule has no check; use scope component/file/object/… to evaluate evidence")
		}
		if strings.TrimSpace(r.ManualReason) == "" {
			bad("scope", "a manual-scope rule needs manual_reason (what a human must look at)")
		}
	} else if strings.TrimSpace(r.Check) == "" {
		bad("scope", fmt.Sprintf("scope %s needs a check expression", r.Scope))
	}
	return errs
}

func isComponent(c string) bool {
	for _, x := range Components {
		if x == c {
			return true
		}
	}
	return false
}

func (s *source) compile(r *Rule, keys map[string]*yaml.Node) []*Error {
	if r.Scope == ScopeManual {
		return nil
	}
	env, err := NewEnv()
	if err != nil {
		return []*Error{{File: s.file, Msg: err.Error()}}
	}
	var errs []*Error
	var total uint64
	check, cost, cerrs := s.compileExpr(env, keys["check"], r.Check, cel.AnyType)
	errs, total = append(errs, cerrs...), cost
	r.check = check
	if r.Message != "" {
		msg, cost, merrs := s.compileExpr(env, keys["message"], r.Message, cel.StringType)
		errs, total = append(errs, merrs...), total+cost
		r.message = msg
	}
	if len(errs) == 0 && r.Scope == ScopeObject {
		s.compileFast(env, r)
	}
	if len(errs) == 0 && total > MaxEstimatedCost {
		errs = append(errs, s.at(keys["check"], 0, fmt.Sprintf(
			"estimated worst-case cost %d exceeds the limit %d (rules/limits.go MaxEstimatedCost): "+
				"avoid nested comprehensions over object fields", total, MaxEstimatedCost)))
	}
	r.estimate = total
	return errs
}

func (s *source) compileExpr(env *cel.Env, node *yaml.Node, expr string, want *cel.Type) (cel.Program, uint64, []*Error) {
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		var errs []*Error
		for _, e := range iss.Errors() {
			errs = append(errs, s.exprError(node, e.Location.Line(), e.Location.Column(), e.Message))
		}
		return nil, 0, errs
	}
	if err := checkOutput(ast.OutputType(), want); err != nil {
		return nil, 0, []*Error{s.at(node, 0, err.Error())}
	}
	est, err := env.EstimateCost(ast, sizeEstimator{list: sizeHintList, str: sizeHintString})
	if err != nil {
		return nil, 0, []*Error{s.at(node, 0, "estimating cost: "+err.Error())}
	}
	prg, err := env.Program(ast, cel.CostLimit(PerEvalCostLimit), cel.EvalOptions(cel.OptOptimize),
		cel.InterruptCheckFrequency(interruptEvery))
	if err != nil {
		return nil, 0, []*Error{s.at(node, 0, err.Error())}
	}
	return prg, est.Max, nil
}

// fastBounds are the object sizes (bytes of JSON) tried for the untracked fast path,
// largest first.
var fastBounds = []int{256 << 10, 64 << 10, 16 << 10, 8 << 10, 4 << 10, 2 << 10, 1 << 10}

// compileFast compiles untracked programs for an object rule that reads only `object`, with
// the largest object size for which its estimated worst-case cost (check plus message)
// stays within PerEvalCostLimit.
func (s *source) compileFast(env *cel.Env, r *Rule) {
	if mentionsOtherVars(r.Check + "\n" + r.Message) {
		return
	}
	var asts []*cel.Ast
	for _, expr := range []string{r.Check, r.Message} {
		if expr == "" {
			continue
		}
		ast, iss := env.Compile(expr)
		if iss != nil && iss.Err() != nil {
			return
		}
		asts = append(asts, ast)
	}
	for _, bound := range fastBounds {
		total := uint64(0)
		for _, ast := range asts {
			est, err := env.EstimateCost(ast, sizeEstimator{list: uint64(bound), str: uint64(bound)})
			if err != nil {
				return
			}
			total += est.Max
		}
		if total > PerEvalCostLimit {
			continue
		}
		progs := make([]cel.Program, 2)
		for i, ast := range asts {
			prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(interruptEvery))
			if err != nil {
				return
			}
			progs[i] = prg
		}
		r.fastCheck, r.fastMessage, r.fastBound = progs[0], progs[1], bound
		return
	}
}

var otherVars = regexp.MustCompile(`\b(cluster|config|sources|file|node)\b`)

// mentionsOtherVars reports whether an expression may read a variable other than object
// (whose sizes the object's own size does not bound). A false positive only costs speed.
func mentionsOtherVars(expr string) bool {
	return otherVars.MatchString(expr) || strings.Contains(expr, "get(")
}

func checkOutput(got, want *cel.Type) error {
	if got.IsAssignableType(cel.DynType) && got.String() == "dyn" {
		return nil
	}
	if want == cel.StringType {
		if !got.IsExactType(cel.StringType) {
			return fmt.Errorf("message must be a string expression, but it is %s", got)
		}
		return nil
	}
	if !got.IsExactType(cel.BoolType) && !got.IsExactType(cel.StringType) {
		return fmt.Errorf("check must be a bool expression (or a string status), but it is %s", got)
	}
	return nil
}

// sizeEstimator gives the cost estimator worst-case sizes for values it cannot size.
type sizeEstimator struct{ list, str uint64 }

func (e sizeEstimator) EstimateSize(n checker.AstNode) *checker.SizeEstimate {
	if t := n.Type(); t != nil && (t.IsExactType(cel.StringType) || t.IsExactType(cel.BytesType)) {
		return &checker.SizeEstimate{Min: 0, Max: e.str}
	}
	return &checker.SizeEstimate{Min: 0, Max: e.list}
}

func (sizeEstimator) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}

func keyOrRoot(keys map[string]*yaml.Node, field string) *yaml.Node { return keys[field] }

// mappingKeys maps each top-level key of a YAML mapping to its value node.
func mappingKeys(root *yaml.Node) map[string]*yaml.Node {
	m := map[string]*yaml.Node{}
	if root == nil || root.Kind != yaml.MappingNode {
		return m
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		m[root.Content[i].Value] = root.Content[i+1]
	}
	return m
}
