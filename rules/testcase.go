package rules

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// TestCase is one case of a rule test file (<id>.test.yaml, docs/rules.md "Test cases").
type TestCase struct {
	Name    string            `yaml:"name"`
	Config  map[string]string `yaml:"config"`
	Sources map[string]string `yaml:"sources"`
	File    map[string]any    `yaml:"file"`
	Node    map[string]any    `yaml:"node"`
	Object  map[string]any    `yaml:"object"`
	Cluster map[string]any    `yaml:"cluster"`
	Expect  string            `yaml:"expect"`
	Message *string           `yaml:"message"`
	Line    int               `yaml:"-"`
}

// TestResult is the outcome of one test case.
type TestResult struct {
	RuleID  string
	File    string // test file as shown in errors
	Line    int    // line of the case
	Case    string
	OK      bool
	Got     Verdict
	Problem string // why the case failed, "" when OK
}

func (t TestResult) String() string {
	if t.OK {
		return fmt.Sprintf("ok   %s %q", t.RuleID, t.Case)
	}
	return fmt.Sprintf("FAIL %s %q (%s:%d): %s", t.RuleID, t.Case, t.File, t.Line, t.Problem)
}

// RunTests runs every <id>.test.yaml in dir of fsys against the rule of that id in set.
// Problems with the test files themselves (bad YAML, no such rule) are returned as a
// *LoadError after all runnable cases have run.
func RunTests(fsys fs.FS, dir, display string, set *Set) ([]TestResult, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.test.yaml"))
	if err != nil {
		return nil, fmt.Errorf("listing tests in %q: %w", display, err)
	}
	var out []TestResult
	le := &LoadError{}
	for _, name := range names {
		shown := path.Join(display, path.Base(name))
		id := strings.TrimSuffix(path.Base(name), ".test.yaml")
		r, ok := set.Rule(id)
		if !ok {
			le.Errs = append(le.Errs, &Error{File: shown, Msg: fmt.Sprintf("no rule %q for this test file", id)})
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			le.Errs = append(le.Errs, &Error{File: shown, Msg: err.Error()})
			continue
		}
		cases, perr := ParseTests(shown, data)
		if perr != nil {
			le.Errs = append(le.Errs, perr...)
			continue
		}
		for _, c := range cases {
			out = append(out, RunCase(r, shown, c))
		}
	}
	if len(le.Errs) > 0 {
		return out, le
	}
	return out, nil
}

// ParseTests parses a test file.
func ParseTests(file string, data []byte) ([]TestCase, []*Error) {
	src := newSource(file, data)
	root, perr := src.parse()
	if perr != nil {
		return nil, []*Error{perr}
	}
	keys := mappingKeys(root)
	casesNode := keys["cases"]
	if casesNode == nil || casesNode.Kind != yaml.SequenceNode {
		return nil, []*Error{src.at(root, 0, "a test file needs a list named cases")}
	}
	var out []TestCase
	var errs []*Error
	for _, n := range casesNode.Content {
		var c TestCase
		if err := n.Decode(&c); err != nil {
			errs = append(errs, src.decodeError(err)...)
			continue
		}
		c.Line = n.Line
		if !checkStatuses[c.Expect] && c.Expect != StatusError {
			errs = append(errs, src.at(n, 0, fmt.Sprintf("case %q: expect %q is not a status (PASS, FAIL, MANUAL, NO_EVIDENCE, NOT_APPLICABLE, ERROR)", c.Name, c.Expect)))
			continue
		}
		out = append(out, c)
	}
	return out, errs
}

// RunCase evaluates rule r on one case and compares status and (when given) message.
func RunCase(r *Rule, file string, c TestCase) TestResult {
	res := TestResult{RuleID: r.ID, File: file, Line: c.Line, Case: c.Name}
	res.Got = r.Eval(c.Input(), nil, true)
	switch {
	case res.Got.Status != c.Expect:
		res.Problem = fmt.Sprintf("got %s, want %s", res.Got.Status, c.Expect)
		if res.Got.Err != nil {
			res.Problem += ": " + res.Got.Err.Error()
		} else if res.Got.Message != "" {
			res.Problem += " (message " + fmt.Sprintf("%q", res.Got.Message) + ")"
		}
	case c.Message != nil && *c.Message != res.Got.Message:
		res.Problem = fmt.Sprintf("message %q, want %q", res.Got.Message, *c.Message)
	default:
		res.OK = true
	}
	return res
}

// Input builds the evaluation input of a case the way the analyzer would: config sources
// default to "flag", a file gets the fields the analyzer always sets, numbers become int64.
func (c TestCase) Input() *Input {
	in := &Input{Config: c.Config, Sources: map[string]string{}}
	for k := range c.Config {
		in.Sources[k] = "flag"
	}
	for k, v := range c.Sources {
		in.Sources[k] = v
	}
	if c.File != nil {
		f := map[string]any{"path": "", "exists": true, "type": "file", "mode": int64(0), "uid": int64(0), "gid": int64(0),
			"owner": "", "group": "", "size": int64(0), "format": "", "entries": []any{}}
		for k, v := range c.File {
			f[k] = Normalize(v)
		}
		in.File = f
	}
	in.Node = map[string]any{"name": "test-node", "distribution": "", "kernel": "", "os_release": map[string]any{}}
	for k, v := range c.Node {
		in.Node[k] = Normalize(v)
	}
	if c.Object != nil {
		in.Object = Normalize(c.Object)
		in.PodSpec = PodSpec(in.Object)
	}
	if c.Cluster != nil {
		in.Cluster = Normalize(c.Cluster).(map[string]any)
	}
	return in
}

// Normalize converts decoded YAML/JSON values into the forms CEL sees in an analysis:
// integers as int64, integral float64 as int64, maps as map[string]any.
func Normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = Normalize(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = Normalize(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = Normalize(e)
		}
		return x
	case int:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		if x == float64(int64(x)) && x >= -1<<53 && x <= 1<<53 {
			return int64(x)
		}
	}
	return v
}
