package analyze

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeproof/kubeproof/analyze/gen"
	"github.com/kubeproof/kubeproof/rules"
)

// BenchmarkAnalyzeBig analyzes a generated cluster (BENCH_PODS pods, default 10,000, and a
// quarter as many RBAC objects) with 10 node bundles against the built-in rules.
// hack/bench-analyze.sh runs the full-size benchmark through the CLI.
func BenchmarkAnalyzeBig(b *testing.B) {
	dir := b.TempDir()
	pods := 10_000
	if err := gen.Big(dir, gen.BigSpec{Pods: pods, RBAC: pods / 4, Nodes: 10}); err != nil {
		b.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.tar.zst"))
	set, err := rules.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Run(Options{Bundles: paths, Trusted: gen.Trusted(gen.Key(1)), Rules: set}); err != nil {
			b.Fatal(err)
		}
	}
	_ = os.Remove
}
