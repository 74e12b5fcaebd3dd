// Command gen writes the bundle test vectors and trust files to testdata/bundles
// (run from the module root: go run ./bundle/internal/gen).
package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"

	"github.com/kubeproof/kubeproof/bundle/internal/forge"
	"github.com/kubeproof/kubeproof/bundle/internal/vectors"
)

func main() {
	dir := "testdata/bundles"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := run(dir); err != nil {
		fmt.Fprintf(os.Stderr, "gen: error: %v\n", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o755); err != nil {
		return err
	}
	for name, b := range vectors.Keys() {
		if err := os.WriteFile(filepath.Join(dir, "keys", name), b, 0o644); err != nil {
			return err
		}
	}
	if err := writePrivate(filepath.Join(dir, "keys", "signer"), forge.PrivateKey("signer")); err != nil {
		return err
	}
	for _, v := range vectors.Generate() {
		if err := os.WriteFile(filepath.Join(dir, v.Name+".tar.zst"), v.Data, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, v.Name+".expect"), []byte(v.Expect.Format()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writePrivate writes the test signer's private key unless the file already holds it (the
// OpenSSH format has random check bytes, so rewriting it would change it every run).
func writePrivate(path string, priv ed25519.PrivateKey) error {
	want, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return err
	}
	if b, err := os.ReadFile(path); err == nil {
		if old, err := ssh.ParsePrivateKey(b); err == nil && bytes.Equal(old.PublicKey().Marshal(), want.PublicKey().Marshal()) {
			return nil
		}
	}
	blk, err := ssh.MarshalPrivateKey(priv, "kubeproof-test-signer (test only, never trust it)")
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(blk), 0o600)
}
