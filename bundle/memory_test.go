//go:build linux

package bundle_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/crypto/ssh"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/bundle/internal/forge"
	"github.com/kubeproof/kubeproof/evidence"
)

// maxRSS is the peak memory a hostile bundle may cost the reader (the bound).
const maxRSS = 256 << 20

// TestHostileBundlesBounded verifies hostile bundles in a child process and checks its peak
// RSS (getrusage) and that it wrote nothing: its working directory and TMPDIR stay empty.
func TestHostileBundlesBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds large hostile bundles")
	}
	s := forge.Key("memory")
	dir := t.TempDir()
	writeFile(t, dir, "key.pub", bundle.AuthorizedKey(s.PublicKey(), ""))
	cases := []struct {
		name, file string
		problem    bundle.VerifyError
		omitted    bool
	}{
		{"zstd-bomb-4GiB", bombFile(t, dir, s, 4<<30), bundle.VerifyError{Member: "", Reason: "too large"}, false},
		{"declared-1TiB", declaredFile(t, dir, s, 1<<40), bundle.VerifyError{Member: "manifest.json", Reason: "invalid manifest"}, false},
		{"declared-bomb", declaredBombFile(t, dir, s), bundle.VerifyError{Member: "node/bomb", Reason: "size mismatch"}, false},
		{"tiny-members-10^6-unlisted", tinyFile(t, dir, s, 0, 1_000_000), bundle.VerifyError{Member: "", Reason: "too large"}, false},
		{"tiny-members-10^6-max-manifest", tinyFile(t, dir, s, bundle.DefaultMaxMembers, 1_000_000), bundle.VerifyError{Member: "x/0100000", Reason: "too many members"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			probs, omitted, rss := verifyInChild(t, c.file, filepath.Join(dir, "key.pub"))
			t.Logf("%s: peak RSS %.1f MiB, %d problems (+%d omitted), first %v", c.name, float64(rss)/(1<<20), len(probs), omitted, probs[:min(len(probs), 2)])
			if rss > maxRSS {
				t.Errorf("peak RSS %d bytes > %d", rss, maxRSS)
			}
			if !hasProblem(probs, c.problem) {
				t.Errorf("problems %v, want %q %q", probs[:min(len(probs), 5)], c.problem.Member, c.problem.Reason)
			}
			if c.omitted != (omitted > 0) {
				t.Errorf("omitted %d problems", omitted)
			}
		})
	}
	t.Run("legit-200MiB-member", func(t *testing.T) {
		probs, _, rss := verifyInChild(t, legitBigFile(t, dir, s, 200<<20), filepath.Join(dir, "key.pub"))
		t.Logf("peak RSS %.1f MiB", float64(rss)/(1<<20))
		if len(probs) != 0 || rss > maxRSS {
			t.Errorf("problems %v, peak RSS %d", probs, rss)
		}
	})
}

func hasProblem(probs []bundle.VerifyError, want bundle.VerifyError) bool {
	for _, p := range probs {
		if p.Member == want.Member && strings.HasPrefix(p.Reason, want.Reason) {
			return true
		}
	}
	return false
}

type childResult struct {
	Problems []bundle.VerifyError
	Omitted  int
	PeakRSS  int64 // VmHWM of the child's own address space
}

// verifyInChild runs TestVerifyChild in a fresh process with empty cwd and TMPDIR.
func verifyInChild(t *testing.T, file, key string) ([]bundle.VerifyError, int, int64) {
	t.Helper()
	cwd, tmp := t.TempDir(), t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestVerifyChild$")
	cmd.Dir = cwd
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "KUBEPROOF_CHILD_BUNDLE="+file, "KUBEPROOF_CHILD_KEY="+key)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s", err, out.String())
	}
	_, js, ok := strings.Cut(out.String(), "CHILD-RESULT ")
	if !ok {
		t.Fatalf("child printed no result:\n%s", out.String())
	}
	js, _, _ = strings.Cut(js, "\n")
	var res childResult
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{cwd, tmp} {
		if ents, _ := os.ReadDir(d); len(ents) != 0 {
			t.Errorf("the reader wrote to %s: %v", d, ents)
		}
	}
	// getrusage's ru_maxrss would include the parent's pages shared before exec; VmHWM,
	// read by the child itself, counts only its own address space.
	return res.Problems, res.Omitted, res.PeakRSS
}

// TestVerifyChild is the child half of TestHostileBundlesBounded.
func TestVerifyChild(t *testing.T) {
	file := os.Getenv("KUBEPROOF_CHILD_BUNDLE")
	if file == "" {
		t.Skip("child process only")
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tk, err := bundle.LoadTrustedKeys(os.Getenv("KUBEPROOF_CHILD_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	rep := bundle.Verify(f, bundle.Options{Trusted: tk})
	res := childResult{Omitted: rep.Omitted, PeakRSS: vmHWM(t)}
	for _, p := range rep.Problems {
		res.Problems = append(res.Problems, bundle.VerifyError{Member: p.Member, Reason: p.Reason})
	}
	b, _ := json.Marshal(res)
	fmt.Printf("CHILD-RESULT %s\n", b)
}

func manifestFor(ms []bundle.Member) *bundle.Manifest {
	return &bundle.Manifest{Format: bundle.FormatV1, Collector: bundle.Collector{Name: "test"}, CreatedAt: "2026-01-01T00:00:00Z",
		Scope: bundle.ScopeNode, Node: "n", Members: ms, Gaps: []evidence.Gap{}}
}

// rleFrame returns a zstd frame of n zero bytes (n a multiple of 128 KiB) made of RLE
// blocks: 4 bytes per 128 KiB.
func rleFrame(n int64) []byte {
	const blk = 128 << 10
	out := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, (17 - 10) << 3}
	for n > 0 {
		last := uint32(0)
		if n <= blk {
			last = 1
		}
		var h [4]byte
		binary.LittleEndian.PutUint32(h[:], last|1<<1|blk<<3)
		out = append(out, h[0], h[1], h[2], 0x00)
		n -= blk
	}
	return out
}

// tarPrefix returns entries, then the header of a regular entry of size n, uncompressed,
// without the end-of-archive marker.
func tarPrefix(entries []forge.Entry, name string, n int64) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.Hdr
		tw.WriteHeader(&h)
		tw.Write(e.Data)
	}
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: n, Mode: 0o644})
	tw.Flush()
	return buf.Bytes()
}

// bombFile: a valid, empty, signed bundle followed by an unlisted entry of n zero bytes.
func bombFile(t *testing.T, dir string, s ssh.Signer, n int64) string {
	head := forge.Signed(manifestFor([]bundle.Member{}), s, bundle.FormatV1)
	b := append(forge.Zstd(tarPrefix(head, "node/bomb", n)), rleFrame(n)...)
	return writeFile(t, dir, "bomb.tar.zst", b)
}

// declaredBombFile: the manifest declares node/bomb as 1 KiB; the archive holds 4 GiB.
func declaredBombFile(t *testing.T, dir string, s ssh.Signer) string {
	head := forge.Signed(manifestFor([]bundle.Member{forge.Member("node/bomb", make([]byte, 1024))}), s, bundle.FormatV1)
	b := append(forge.Zstd(tarPrefix(head, "node/bomb", 4<<30)), rleFrame(4<<30)...)
	return writeFile(t, dir, "declared-bomb.tar.zst", b)
}

// legitBigFile: a correctly declared member of n zero bytes.
func legitBigFile(t *testing.T, dir string, s ssh.Signer, n int64) string {
	h := sha256.New()
	io.CopyN(h, zeroReader{}, n)
	m := bundle.Member{Path: "node/big", Size: n, SHA256: fmt.Sprintf("%x", h.Sum(nil))}
	head := forge.Signed(manifestFor([]bundle.Member{m}), s, bundle.FormatV1)
	b := append(forge.Zstd(tarPrefix(head, "node/big", n)), rleFrame(n)...)
	b = append(b, forge.Zstd(make([]byte, 1024))...) // end-of-archive marker
	return writeFile(t, dir, "big.tar.zst", b)
}

// tinyFile: total one-byte entries x/0000000…, of which the first listed are in the
// (signed) manifest.
func tinyFile(t *testing.T, dir string, s ssh.Signer, listed, total int) string {
	t.Helper()
	one := []byte("x")
	ms := make([]bundle.Member, listed)
	for i := range ms {
		ms[i] = forge.Member(fmt.Sprintf("x/%07d", i), one)
	}
	p := filepath.Join(dir, fmt.Sprintf("tiny-%d-%d.tar.zst", listed, total))
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, _ := zstd.NewWriter(bw, zstd.WithEncoderLevel(zstd.SpeedFastest))
	tw := tar.NewWriter(zw)
	for _, e := range forge.Signed(manifestFor(ms), s, bundle.FormatV1) {
		h := e.Hdr
		tw.WriteHeader(&h)
		tw.Write(e.Data)
	}
	for i := 0; i < total; i++ {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("x/%07d", i), Size: 1, Mode: 0o644})
		tw.Write(one)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return p
}

// vmHWM returns this process's peak resident set size from /proc/self/status.
func vmHWM(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// declaredFile: a signed manifest declaring one member of n bytes; no evidence follows.
func declaredFile(t *testing.T, dir string, s ssh.Signer, n int64) string {
	m := manifestFor([]bundle.Member{{Path: "node/huge", Size: n, SHA256: strings.Repeat("0", 64)}})
	return writeFile(t, dir, "declared.tar.zst", forge.Encode(forge.Signed(m, s, bundle.FormatV1)))
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
