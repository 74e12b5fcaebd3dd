package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kubeproof/kubeproof/analyze/gen"
)

// TestAnalyzeScripts runs testdata/analyze/*.txtar. Each script starts with the demo
// assessment generated into $WORK/demo (cluster.tar.zst, cp-1/w-1/w-2.tar.zst, key.pub;
// see analyze/gen) and has the "rc N PROG ARGS…" command of TestScripts.
func TestAnalyzeScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "analyze"),
		Setup: func(env *testscript.Env) error {
			dir := filepath.Join(env.WorkDir, "demo")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			return gen.Demo(dir)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"rc": cmdRC},
	})
}
