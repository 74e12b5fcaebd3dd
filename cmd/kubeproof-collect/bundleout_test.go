package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/internal/cli"
)

func outEnv() (*cli.Env, *bytes.Buffer) {
	var errb bytes.Buffer
	return &cli.Env{Prog: "kubeproof-collect", Stdout: &bytes.Buffer{}, Stderr: &errb}, &errb
}

var outTime = time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)

func outHeader() bundle.Header {
	return bundle.Header{CreatedAt: outTime, Scope: bundle.ScopeNode, Node: "n1"}
}

func fillHost(w *bundle.Writer) error {
	return w.AddJSON("node/host.json", map[string]string{"node_name": "n1"})
}

func keyFile(t *testing.T, dir string) (string, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := ssh.MarshalPrivateKey(priv, "test")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "collector.key")
	if err := os.WriteFile(p, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, _ := ssh.NewPublicKey(pub)
	return p, sp
}

func verifyOut(t *testing.T, out string, pub []byte) *bundle.Report {
	t.Helper()
	tk, err := bundle.ParseTrustedKeys("pub", pub)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return bundle.Verify(f, bundle.Options{Trusted: tk})
}

// TestWriteBundleOneTimeKey: OUT.pub verifies the bundle and its fingerprint is the one printed.
func TestWriteBundleOneTimeKey(t *testing.T) {
	out := filepath.Join(t.TempDir(), "b.tar.zst")
	e, errb := outEnv()
	if rc := writeBundle(e, "", out, outHeader(), fillHost); rc != cli.ExitOK {
		t.Fatalf("exit %d: %s", rc, errb)
	}
	pub, err := os.ReadFile(out + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	rep := verifyOut(t, out, pub)
	if !rep.OK() || rep.Manifest.Collector.Name != "kubeproof-collect" || rep.Manifest.CreatedAt != "2026-02-03T04:05:06Z" {
		t.Fatalf("%v %+v", rep.Problems, rep.Manifest)
	}
	if !strings.Contains(errb.String(), "one-time key "+rep.Signer+";") {
		t.Errorf("stderr does not print the signer %s:\n%s", rep.Signer, errb)
	}
	assertNoTemp(t, out)
}

// TestWriteBundleKeyDeterministic: with --key, the same evidence at the same time gives
// the same bytes, and no .pub file.
func TestWriteBundleKeyDeterministic(t *testing.T) {
	dir := t.TempDir()
	key, pub := keyFile(t, dir)
	var got [][]byte
	for _, name := range []string{"a.tar.zst", "b.tar.zst"} {
		out := filepath.Join(dir, name)
		e, errb := outEnv()
		if rc := writeBundle(e, key, out, outHeader(), fillHost); rc != cli.ExitOK {
			t.Fatalf("exit %d: %s", rc, errb)
		}
		if strings.Contains(errb.String(), "one-time") {
			t.Errorf("one-time key used despite --key: %s", errb)
		}
		if _, err := os.Stat(out + ".pub"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s.pub written with --key", name)
		}
		b, _ := os.ReadFile(out)
		got = append(got, b)
		if rep := verifyOut(t, out, bundle.AuthorizedKey(pub, "")); !rep.OK() {
			t.Fatal(rep.Problems)
		}
	}
	if !bytes.Equal(got[0], got[1]) {
		t.Fatal("same evidence, same time, same key: bundles differ")
	}
}

// TestWriteBundleFailures: nothing is left behind when collection or writing fails.
func TestWriteBundleFailures(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "b.tar.zst")
	e, errb := outEnv()
	boom := func(w *bundle.Writer) error { w.Add("node/x", []byte("x")); return errors.New("boom") }
	if rc := writeBundle(e, "", out, outHeader(), boom); rc != cli.ExitError || !strings.Contains(errb.String(), "error: collect: boom") {
		t.Fatalf("fill error: exit %d, %s", rc, errb)
	}
	assertNothing(t, out)
	e, errb = outEnv()
	if rc := writeBundle(e, "", "", outHeader(), fillHost); rc != cli.ExitUsage || !strings.Contains(errb.String(), "hint: name the bundle") {
		t.Fatalf("no -o: exit %d, %s", rc, errb)
	}
	e, errb = outEnv()
	if rc := writeBundle(e, filepath.Join(dir, "missing.key"), out, outHeader(), fillHost); rc != cli.ExitUsage {
		t.Fatalf("missing key: exit %d, %s", rc, errb)
	}
	assertNothing(t, out)
	e, errb = outEnv()
	bad := outHeader()
	bad.Node = ""
	if rc := writeBundle(e, "", out, bad, fillHost); rc != cli.ExitError || !strings.Contains(errb.String(), "node") {
		t.Fatalf("bad header: exit %d, %s", rc, errb)
	}
	assertNothing(t, out)
}

func assertNoTemp(t *testing.T, out string) {
	t.Helper()
	for _, p := range []string{out + ".tmp", out + ".pub.tmp"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind", p)
		}
	}
}

func assertNothing(t *testing.T, out string) {
	t.Helper()
	assertNoTemp(t, out)
	for _, p := range []string{out, out + ".pub"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s written by a failed run", p)
		}
	}
}
