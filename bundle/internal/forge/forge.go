// Package forge builds bundles byte by byte, valid or deliberately broken, for tests and
// test vectors. It bypasses every check of package bundle; never use it to write evidence.
package forge

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hiddeco/sshsig"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/crypto/ssh"

	"github.com/kubeproof/kubeproof/bundle"
)

// Entry is one tar entry: its header and content.
type Entry struct {
	Hdr  tar.Header
	Data []byte
}

// Name returns the entry's path.
func (e Entry) Name() string { return e.Hdr.Name }

// Reg returns a regular-file entry with canonical header fields.
func Reg(name string, data []byte) Entry {
	return Entry{Hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o644,
		ModTime: time.Unix(1767225600, 0)}, Data: data}
}

// Decode decompresses and untars b without any check.
func Decode(b []byte) ([]Entry, error) {
	zr, err := zstd.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var out []Entry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out = append(out, Entry{Hdr: *h, Data: data})
	}
}

// Tar returns the entries as a tar archive with its end-of-archive marker. Each header's
// size is set to its data's length.
func Tar(entries []Entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.Hdr
		h.Size = int64(len(e.Data))
		if err := tw.WriteHeader(&h); err != nil {
			panic(fmt.Sprintf("forge: %q: %v", h.Name, err))
		}
		if _, err := tw.Write(e.Data); err != nil && h.Typeflag == tar.TypeReg {
			panic(fmt.Sprintf("forge: %q: %v", h.Name, err))
		}
	}
	tw.Close()
	return buf.Bytes()
}

// Zstd compresses b into one frame (deterministically).
func Zstd(b []byte) []byte {
	zw, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true))
	if err != nil {
		panic(err)
	}
	defer zw.Close()
	return zw.EncodeAll(b, nil)
}

// Encode is Zstd(Tar(entries)).
func Encode(entries []Entry) []byte { return Zstd(Tar(entries)) }

// Manifest marshals m the way the bundle writer does.
func Manifest(m *bundle.Manifest) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Sign returns the armored SSHSIG signature of msg in namespace ns.
func Sign(msg []byte, s ssh.Signer, ns string) []byte {
	sig, err := sshsig.Sign(bytes.NewReader(msg), s, sshsig.HashSHA512, ns)
	if err != nil {
		panic(err)
	}
	return sshsig.Armor(sig)
}

// Member returns the manifest entry for data at path.
func Member(path string, data []byte) bundle.Member {
	return bundle.Member{Path: path, Size: int64(len(data)), SHA256: fmt.Sprintf("%x", sha256.Sum256(data))}
}

// PrivateKey returns a deterministic Ed25519 key derived from name (test keys only).
func PrivateKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("kubeproof test key " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// Key returns PrivateKey(name) as a signer.
func Key(name string) ssh.Signer {
	s, err := ssh.NewSignerFromKey(PrivateKey(name))
	if err != nil {
		panic(err)
	}
	return s
}

// Signed returns the entries of a bundle holding m (signed by s in namespace ns) and the
// given evidence entries.
func Signed(m *bundle.Manifest, s ssh.Signer, ns string, evidence ...Entry) []Entry {
	mb := Manifest(m)
	return append([]Entry{Reg(bundle.ManifestName, mb), Reg(bundle.SignatureName, Sign(mb, s, ns))}, evidence...)
}
