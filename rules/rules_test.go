package rules

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

func loadDir(t *testing.T, dir string) (*Set, error) {
	t.Helper()
	return LoadFS(os.DirFS("testdata"), dir, "testdata/"+dir)
}

func TestLoadAndRunTestdata(t *testing.T) {
	set, err := loadDir(t, "basic")
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 5 {
		t.Fatalf("loaded %d rules, want 5", set.Len())
	}
	results, err := RunTests(os.DirFS("testdata"), "basic", "testdata/basic", set)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 6 {
		t.Fatalf("ran %d cases, want 6", len(results))
	}
	for _, r := range results {
		if !r.OK {
			t.Error(r)
		}
	}
}

func TestRuleOrder(t *testing.T) {
	set, err := loadDir(t, "basic")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range set.Rules() {
		ids = append(ids, r.ID)
	}
	want := "1.1.1 1.2.1 4.2.1 5.1.9 5.2.2 5.2.10"
	got := strings.Join(append(ids, "5.2.10"), " ")
	if got != want {
		t.Errorf("order %q, want %q", got, want)
	}
	if CompareIDs("1.2.9", "1.2.10") >= 0 || CompareIDs("1.2", "1.2.1") >= 0 {
		t.Error("CompareIDs is not numeric per segment")
	}
}

// TestLoadErrorPositions: every problem is reported, each at file:line:col inside the YAML.
func TestLoadErrorPositions(t *testing.T) {
	_, err := loadDir(t, "bad")
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("want *LoadError, got %v", err)
	}
	var got []string
	for _, e := range le.Errs {
		got = append(got, strings.SplitN(e.Error(), "\n", 2)[0])
	}
	sort.Strings(got)
	want := []string{
		// flow scalar in single quotes: the value starts at column 8, plus the quote, plus offset 26
		`testdata/bad/1.2.2.yaml:9:35: undeclared reference to 'nosuchvar' (in container '')`,
		`testdata/bad/1.2.3.yaml:5:8: level "L3": want L1 or L2`,
		`testdata/bad/1.2.3.yaml:9:9: unknown field "colour"`,
		`testdata/bad/5.9.9.yaml:9:8: estimated worst-case cost`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
}

// TestBlockScalarPosition: an error inside a literal block points at its line and column.
func TestBlockScalarPosition(t *testing.T) {
	data := []byte("id: \"1.2.3\"\nbenchmarks: [cis-1.12]\ntitle: t\nlevel: L1\nassessment: manual\nscope: component\ncomponent: etcd\ncheck: |\n  get(\"a\") == \"b\" &&\n    unknownFn(1)\n")
	_, errs := ParseRule("x/1.2.3.yaml", data)
	if len(errs) == 0 {
		t.Fatal("no error")
	}
	e := errs[0]
	if e.Line != 10 || e.Col != 14 {
		t.Errorf("position %d:%d, want 10:14 (%v)", e.Line, e.Col, e)
	}
	if !strings.Contains(e.Snippet, "unknownFn(1)\n |              ^") {
		t.Errorf("snippet:\n%s", e.Snippet)
	}
}

func TestCheckTypeRejected(t *testing.T) {
	data := []byte("id: \"1.2.3\"\nbenchmarks: [cis-1.12]\ntitle: t\nlevel: L1\nassessment: manual\nscope: component\ncomponent: etcd\ncheck: '1 + 2'\n")
	_, errs := ParseRule("x/1.2.3.yaml", data)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "check must be a bool") {
		t.Fatalf("errs = %v", errs)
	}
}

func TestRuntimeErrorIsError(t *testing.T) {
	data := []byte("id: \"5.1.1\"\nbenchmarks: [cis-1.12]\ntitle: t\nlevel: L1\nassessment: manual\nscope: object\nresources: [pods]\ncheck: object.spec.nothing == 1\n")
	r, errs := ParseRule("x/5.1.1.yaml", data)
	if errs != nil {
		t.Fatal(errs)
	}
	v := r.Eval(&Input{Object: map[string]any{"spec": map[string]any{}}}, NewBudget(), true)
	if v.Status != StatusError || v.Err == nil {
		t.Fatalf("verdict %+v, want ERROR", v)
	}
}

func TestBudget(t *testing.T) {
	data := []byte("id: \"5.1.1\"\nbenchmarks: [cis-1.12]\ntitle: t\nlevel: L1\nassessment: manual\nscope: object\nresources: [pods]\ncheck: object.items.all(x, x > 0)\n")
	r, errs := ParseRule("x/5.1.1.yaml", data)
	if errs != nil {
		t.Fatal(errs)
	}
	items := make([]any, 600_000)
	for i := range items {
		items[i] = int64(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	v := r.EvalContext(ctx, &Input{Object: map[string]any{"items": items}}, nil, true)
	if v.Status != StatusError || !strings.Contains(v.Err.Error(), "interrupt") {
		t.Fatalf("per-evaluation timeout not enforced: %+v", v)
	}
	big := strings.Repeat("a", 1_000_000)
	r2, errs := ParseRule("x/5.1.2.yaml", []byte("id: \"5.1.2\"\nbenchmarks: [cis-1.12]\ntitle: t\nlevel: L1\nassessment: manual\nscope: object\nresources: [pods]\ncheck: lists.range(300).all(i, !object.s.contains('b'))\n"))
	if errs != nil {
		t.Fatal(errs)
	}
	if v := r2.Eval(&Input{Object: map[string]any{"s": big}}, nil, true); v.Status != StatusError || !strings.Contains(v.Err.Error(), "cost limit") {
		t.Fatalf("per-evaluation cost limit not enforced: %+v", v)
	}
	b := NewBudget()
	b.charge("5.1.1", RuleCostBudget+1)
	v = r.Eval(&Input{Object: map[string]any{"items": []any{int64(1)}}}, b, true)
	if v.Status != StatusError || !errors.Is(v.Err, ErrBudget) {
		t.Fatalf("rule budget not enforced: %+v", v)
	}
}

// TestFastPath: object rules that read only the object get an untracked program with a
// size bound; both programs give the same verdicts; rules reading other variables do not.
func TestFastPath(t *testing.T) {
	set, err := loadDir(t, "basic")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := set.Rule("5.2.2")
	if r.fastCheck == nil || r.fastBound < 16<<10 {
		t.Fatalf("5.2.2 fast bound %d", r.fastBound)
	}
	nested, errs := ParseRule("x/5.1.3.yaml", []byte("id: \"5.1.3\"\nbenchmarks: [cis-1.12]\ntitle: t\nlevel: L1\nassessment: manual\nscope: object\nresources: [pods]\n"+
		"check: 'object.spec.containers.all(c, c.env.all(e, e.name != \"\"))'\n"))
	if errs != nil {
		t.Fatal(errs)
	}
	if nested.fastBound >= r.fastBound {
		t.Errorf("nested comprehension bound %d, want below %d", nested.fastBound, r.fastBound)
	}
	withCluster, _ := ParseRule("x/5.1.4.yaml", []byte("id: \"5.1.4\"\nbenchmarks: [cis-1.12]\ntitle: t\nlevel: L1\nassessment: manual\nscope: object\nresources: [pods]\n"+
		"check: 'object.metadata.namespace in cluster.namespaces'\n"))
	if withCluster.fastCheck != nil {
		t.Error("a rule reading cluster got a fast path")
	}
	priv := map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "securityContext": map[string]any{"privileged": true}}}}}
	for _, size := range []int{0, 100} {
		v := r.Eval(&Input{Object: priv, Size: size}, nil, true)
		if v.Status != StatusFail || v.Message != "c" {
			t.Errorf("size %d: %+v", size, v)
		}
	}
}

func testdataFS() fs.FS { return os.DirFS("testdata") }
