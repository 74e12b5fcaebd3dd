package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes this test binary double as the kubeproof command for testscript: scripts
// run it with "exec kubeproof …" (or just "kubeproof …").
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kubeproof": func() { os.Exit(run()) },
	})
}

// TestScripts runs every testdata/*.txtar. Scripts get:
//   - $VECTORS: the bundle test vectors (testdata/bundles at the module root), with their
//     trust files in $VECTORS/keys;
//   - "rc N PROG ARGS…": run PROG and require exit status N exactly (stdout and stderr
//     are kept for the following stdout/stderr checks);
//   - the conditions [exec:NAME] as usual.
func TestScripts(t *testing.T) {
	vectors, err := filepath.Abs("../../testdata/bundles")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			env.Setenv("VECTORS", vectors)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"rc": cmdRC},
	})
}

// cmdRC implements "rc N PROG ARGS…".
func cmdRC(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: rc N PROG [ARGS…]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("rc: %q is not an exit status", args[0])
	}
	got := 0
	var ee *exec.ExitError
	if err := ts.Exec(args[1], args[2:]...); errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("rc: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}
