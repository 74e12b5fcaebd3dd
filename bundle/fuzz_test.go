package bundle_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeproof/kubeproof/bundle"
)

// FuzzOpen feeds arbitrary bytes to Open/Next and Verify: they must never panic, and must
// agree with each other on whether the bundle is valid. Seeded from testdata/bundles.
func FuzzOpen(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(vectorDir, "*.tar.zst"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	tk := trustFile(f, "signer.pub")
	lim := bundle.Limits{MaxMembers: 100, MaxManifestSize: 1 << 20, MaxMemberSize: 1 << 20, MaxTotalSize: 4 << 20}
	f.Fuzz(func(t *testing.T, b []byte) {
		rep := bundle.Verify(bytes.NewReader(b), bundle.Options{Trusted: tk, Limits: lim})
		ok := readAll(bytes.NewReader(b), bundle.Options{Trusted: tk, Limits: lim})
		if ok != rep.OK() {
			t.Fatalf("Open/Next say ok=%v, Verify says %v (%v)", ok, rep.OK(), rep.Problems)
		}
		bundle.Verify(bytes.NewReader(b), bundle.Options{InsecureSkipVerify: true, Limits: lim})
	})
}

// readAll reads a bundle with Open and Next and reports whether no error occurred.
func readAll(r io.Reader, o bundle.Options) bool {
	rd, err := bundle.Open(r, o)
	if err != nil {
		return false
	}
	defer rd.Close()
	for {
		_, body, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return false
		}
	}
}
