package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes this test binary double as the kubeproof-collect command for testscript:
// scripts run it with "exec kubeproof-collect …". (kubeproof itself is not available here.)
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kubeproof-collect": func() { os.Exit(run()) },
	})
}

// TestBundleOutScripts runs testdata/bundleout*.txtar: the output side every collecting
// subcommand shares (--key, -o, one-time keys, OUT.pub, no half-written bundle).
func TestBundleOutScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/bundleout*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/bundleout*.txtar: %v", err)
	}
	testscript.Run(t, testscript.Params{Files: files})
}
