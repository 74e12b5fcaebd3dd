package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/evidence"
)

func TestTermProgress(t *testing.T) {
	var b bytes.Buffer
	p := &termProgress{w: &b}
	p.Page("core/v1/pods", 500)
	p.Page("core/v1/pods", 1000)
	p.Done(evidence.Resource{Resource: "pods", Served: true, Complete: true, Count: 1000})
	p.Done(evidence.Resource{Group: "policy", Resource: "podsecuritypolicies"})
	p.Done(evidence.Resource{Group: "apps", Resource: "deployments", Served: true, Count: 7})
	out := b.String()
	for _, want := range []string{"listing core/v1/pods: 1000", "core/pods", "1000\n", "policy/podsecuritypolicies", "not served\n", "7 (incomplete)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output lacks %q:\n%q", want, out)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(&bytes.Buffer{}) {
		t.Error("a file or buffer is not a terminal")
	}
}

// TestClusterUnreachable: a server that does not answer is an error with a hint, and no
// bundle is left behind.
func TestClusterUnreachable(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: dead, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: dead, context: {cluster: dead, user: u}}]
current-context: dead
`), 0o600)
	out := filepath.Join(dir, "b.tar.zst")
	rc, stderr := runCollect(t, "cluster", "--kubeconfig", kc, "-o", out)
	if rc != 1 || !strings.Contains(stderr, "cannot read /version") || !strings.Contains(stderr, `kubectl --context "dead" version`) {
		t.Errorf("rc %d stderr:\n%s", rc, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a bundle was written")
	}
}
