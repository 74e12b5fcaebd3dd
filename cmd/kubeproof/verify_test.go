package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/internal/cli"
)

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Main("kubeproof", "test", commands, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestVerifyTamperMatrix runs "kubeproof verify" on every vector of testdata/bundles: valid
// ones exit 0 with nothing on stderr; every broken one exits 3 and names each expected
// member and reason. (Vectors that need non-default limits are checked in package bundle.)
func TestVerifyTamperMatrix(t *testing.T) {
	dir := "../../testdata/bundles"
	files, err := filepath.Glob(filepath.Join(dir, "*.expect"))
	if err != nil || len(files) < 30 {
		t.Fatalf("vectors: %d found (%v)", len(files), err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".expect")
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		exp, err := parseExpect(string(text))
		if err != nil {
			t.Fatal(err)
		}
		if exp.Limits != "" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCLI("verify", "--trusted-key", filepath.Join(dir, "keys", exp.Trust), filepath.Join(dir, name+".tar.zst"))
			checkVerifyCLI(t, exp, code, stdout, stderr)
		})
	}
}

func checkVerifyCLI(t *testing.T, exp expectation, code int, stdout, stderr string) {
	t.Helper()
	if exp.OK {
		if code != cli.ExitOK || stderr != "" || !strings.Contains(stdout, ": OK\n") {
			t.Fatalf("exit %d, stderr %q, stdout %q", code, stderr, stdout)
		}
		return
	}
	if code != cli.ExitVerify || !strings.Contains(stdout, "FAILED") {
		t.Fatalf("exit %d (want 3), stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, p := range exp.Problems {
		want := ".tar.zst: "
		if p.Member != "" {
			want = fmt.Sprintf("member %q: ", p.Member)
		}
		if !strings.Contains(stderr, want+p.Reason) {
			t.Errorf("stderr lacks %q:\n%s", want+p.Reason, stderr)
		}
	}
}

// TestVerifyJSON decodes --json output and checks its fields against the vectors.
func TestVerifyJSON(t *testing.T) {
	dir := "../../testdata/bundles"
	code, stdout, _ := runCLI("verify", "--json", "--trusted-key", filepath.Join(dir, "keys/signer.pub"),
		filepath.Join(dir, "good-node.tar.zst"), filepath.Join(dir, "member-removed.tar.zst"))
	if code != cli.ExitVerify {
		t.Fatalf("exit %d", code)
	}
	var out struct {
		Bundles []verifyResult `json:"bundles"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if len(out.Bundles) != 2 {
		t.Fatalf("%d bundles", len(out.Bundles))
	}
	g, b := out.Bundles[0], out.Bundles[1]
	if !g.OK || !g.Verified || g.Members != 3 || g.Bytes == 0 || g.Scope != "node" || g.Node != "cp-1" || !strings.HasPrefix(g.Signer, "SHA256:") {
		t.Errorf("good bundle: %+v", g)
	}
	if b.OK || len(b.Problems) != 1 || b.Problems[0].Reason[:7] != "missing" || b.Members != 2 {
		t.Errorf("bad bundle: %+v", b)
	}
}

// expectation is a NAME.expect file of testdata/bundles (format: docs/bundle-format.md §7;
// parsed fully by bundle/internal/vectors, which cmd/ cannot import).
type expectation struct {
	OK       bool
	Trust    string
	Limits   string
	Problems []struct{ Member, Reason string }
}

func parseExpect(text string) (expectation, error) {
	var e expectation
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		key, val, _ := strings.Cut(line, ": ")
		switch key {
		case "expect":
			e.OK = val == "ok"
		case "trust":
			e.Trust = val
		case "limits":
			e.Limits = val
		case "problem":
			q, err := strconv.QuotedPrefix(val)
			if err != nil {
				return e, fmt.Errorf("%q: %w", line, err)
			}
			m, _ := strconv.Unquote(q)
			e.Problems = append(e.Problems, struct{ Member, Reason string }{m, strings.TrimSpace(val[len(q):])})
		}
	}
	return e, nil
}
