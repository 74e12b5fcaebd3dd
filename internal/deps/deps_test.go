// Package deps holds the layering test: the one-way import rules of the architecture
// (docs/design.md, "Packages and what they may import"), checked on the real dependency graph.
package deps

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/kubeproof/kubeproof"

// rule: packages under prefix must not depend (transitively) on any of banned.
type rule struct {
	prefix string
	banned []string
}

var (
	cel      = "github.com/google/cel-go"
	excelize = "github.com/xuri/excelize"
	pdf      = "github.com/jung-kurt/gofpdf"
	clientgo = "k8s.io/client-go"
	p        = func(s string) string { return mod + "/" + s }
)

var rules = []rule{
	{p("bundle"), []string{p("collect"), p("analyze"), p("rules"), p("mapping"), p("reports"), cel, excelize, pdf, clientgo}},
	{p("collect"), []string{p("analyze"), p("rules"), p("mapping"), p("reports"), cel, excelize, pdf}},
	{p("rules"), []string{p("collect"), p("reports"), clientgo, excelize, pdf}},
	{p("mapping"), []string{p("collect"), p("reports"), p("analyze"), cel, clientgo}},
	{p("analyze"), []string{p("collect"), clientgo, "net/http"}},
	{p("reports"), []string{p("collect"), p("rules"), p("bundle"), p("analyze"), cel, clientgo}},
	{p("reports/xlsx"), []string{pdf}},
	{p("reports/pdf"), []string{excelize}},
	{p("internal/result"), []string{p("")}},
	{p("cmd/kubeproof-collect"), []string{p("analyze"), p("rules"), p("mapping"), p("reports"), cel, excelize, pdf}},
	{p("cmd/kubeproof"), []string{p("collect"), clientgo}},
}

func graph(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Deps \" \"}}", mod+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	g := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, "|")
		g[pkg] = strings.Fields(deps)
	}
	return g
}

func under(pkg, prefix string) bool { return pkg == prefix || strings.HasPrefix(pkg, prefix+"/") }

func TestLayering(t *testing.T) {
	g := graph(t)
	checked := 0
	for pkg, deps := range g {
		for _, r := range rules {
			if !under(pkg, r.prefix) {
				continue
			}
			checked++
			for _, d := range deps {
				for _, b := range r.banned {
					if under(d, b) || (b == p("") && strings.HasPrefix(d, mod+"/")) {
						t.Errorf("%s depends on %s (rule for %s bans it)", pkg, d, r.prefix)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no package matched any layering rule: is the module path right?")
	}
}

// TestEvidenceIsStdlibOnly: the schema package is the contract and imports only the standard library.
func TestEvidenceIsStdlibOnly(t *testing.T) {
	g := graph(t)
	deps, ok := g[p("evidence")]
	if !ok {
		t.Fatal("package evidence not found")
	}
	for _, d := range deps {
		if first, _, _ := strings.Cut(d, "/"); strings.Contains(first, ".") {
			t.Errorf("evidence imports non-stdlib %s", d)
		}
	}
}
