package bundle_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/bundle/internal/vectors"
)

const vectorDir = "../testdata/bundles"

type storedVector struct {
	name   string
	data   []byte
	expect vectors.Expect
}

func loadVectors(t testing.TB) []storedVector {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.expect"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors in %s (%v); run: go run ./bundle/internal/gen", vectorDir, err)
	}
	sort.Strings(files)
	var out []storedVector
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".expect")
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		exp, err := vectors.ParseExpect(string(text))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		data, err := os.ReadFile(filepath.Join(vectorDir, name+".tar.zst"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, storedVector{name, data, exp})
	}
	return out
}

func trustFile(t testing.TB, name string) *bundle.TrustedKeys {
	t.Helper()
	tk, err := bundle.LoadTrustedKeys(filepath.Join(vectorDir, "keys", name))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestVectors checks every stored vector against its NAME.expect.
func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.name, func(t *testing.T) {
			lim, err := vectors.ParseLimits(v.expect.Limits)
			if err != nil {
				t.Fatal(err)
			}
			rep := bundle.Verify(bytes.NewReader(v.data), bundle.Options{Trusted: trustFile(t, v.expect.Trust), Limits: lim})
			checkReport(t, rep, v.expect)
		})
	}
}

func checkReport(t *testing.T, rep *bundle.Report, exp vectors.Expect) {
	t.Helper()
	if rep.OK() != exp.OK {
		t.Fatalf("OK() = %v, want %v; problems: %v", rep.OK(), exp.OK, rep.Problems)
	}
	if exp.OK && (!rep.Verified || rep.Manifest == nil || rep.Members != len(rep.Manifest.Members)) {
		t.Fatalf("valid vector: verified=%v manifest=%v members=%d", rep.Verified, rep.Manifest != nil, rep.Members)
	}
	if len(rep.Problems) != len(exp.Problems) {
		t.Fatalf("got %d problems, want %d:\n got  %v\n want %v", len(rep.Problems), len(exp.Problems), rep.Problems, exp.Problems)
	}
	for i, want := range exp.Problems {
		got := rep.Problems[i]
		if got.Member != want.Member || !strings.HasPrefix(got.Reason, want.Reason) {
			t.Errorf("problem %d = %q %q, want %q %q…", i, got.Member, got.Reason, want.Member, want.Reason)
		}
	}
}

// TestVectorsUpToDate regenerates the vectors and compares them with the stored ones, so
// that every vector is what the generator (and the writer) make.
func TestVectorsUpToDate(t *testing.T) {
	stored := map[string]storedVector{}
	for _, v := range loadVectors(t) {
		stored[v.name] = v
	}
	gen := vectors.Generate()
	if len(gen) != len(stored) {
		t.Errorf("generator makes %d vectors, %d stored; run: go run ./bundle/internal/gen", len(gen), len(stored))
	}
	for _, v := range gen {
		s, ok := stored[v.Name]
		switch {
		case !ok:
			t.Errorf("%s: not stored; run: go run ./bundle/internal/gen", v.Name)
		case !bytes.Equal(s.data, v.Data):
			t.Errorf("%s.tar.zst differs from the generator's; run: go run ./bundle/internal/gen", v.Name)
		case v.Expect.Format() != s.expect.Format():
			t.Errorf("%s.expect differs from the generator's; run: go run ./bundle/internal/gen", v.Name)
		}
	}
	for name, b := range vectors.Keys() {
		if got, err := os.ReadFile(filepath.Join(vectorDir, "keys", name)); err != nil || !bytes.Equal(got, b) {
			t.Errorf("keys/%s differs from the generator's (%v)", name, err)
		}
	}
}

// TestMustRejectListBacked checks that every vector named in docs/bundle-format.md's
// MUST-reject table exists and is a failing vector.
func TestMustRejectListBacked(t *testing.T) {
	doc, err := os.ReadFile("../docs/bundle-format.md")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]storedVector{}
	for _, v := range loadVectors(t) {
		stored[v.name] = v
	}
	_, table, _ := strings.Cut(string(doc), "## 7. MUST-reject")
	table, _, _ = strings.Cut(table, "\n## ")
	rows := 0
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 || !strings.Contains(cells[3], "`") {
			continue
		}
		rows++
		for _, name := range strings.Split(cells[3], ",") {
			name = strings.Trim(strings.TrimSpace(name), "`")
			if v, ok := stored[name]; !ok || v.expect.OK {
				t.Errorf("MUST-reject row %q: vector %q missing or not failing", strings.TrimSpace(cells[1]), name)
			}
		}
	}
	if rows < 20 {
		t.Errorf("found only %d MUST-reject rows", rows)
	}
}
