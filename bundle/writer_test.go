package bundle_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/bundle/internal/forge"
	"github.com/kubeproof/kubeproof/evidence"
)

var testTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func nodeHeader() bundle.Header {
	return bundle.Header{Collector: bundle.Collector{Name: "test", Version: "v1"}, CreatedAt: testTime, Scope: bundle.ScopeNode, Node: "n1"}
}

type member struct {
	path string
	data string
}

var testMembers = []member{
	{"node/host.json", `{"node_name":"n1"}` + "\n"},
	{"node/processes.json", "[]\n"},
	{"node/files/etc/kubernetes/kubelet.conf.json", `{"path":"/etc/kubernetes/kubelet.conf"}` + "\n"},
	{"cluster/objects/core/v1/pods/00001.jsonl", strings.Repeat(`{"kind":"Pod"}`+"\n", 1000)},
}

// write builds a bundle of ms (in the given order) with gaps gs, signed by s.
func write(t testing.TB, s ssh.Signer, ms []member, gs ...evidence.Gap) []byte {
	t.Helper()
	w, err := bundle.NewWriter(nodeHeader())
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if i%2 == 0 {
			err = w.Add(m.path, []byte(m.data))
		} else {
			err = streamMember(w, m)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range gs {
		w.AddGap(g)
	}
	var buf bytes.Buffer
	if _, err := w.Finish(&buf, s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func streamMember(w *bundle.Writer, m member) error {
	wc, err := w.Create(m.path)
	if err != nil {
		return err
	}
	for _, chunk := range strings.SplitAfter(m.data, "\n") {
		if _, err := io.WriteString(wc, chunk); err != nil {
			return err
		}
	}
	return wc.Close()
}

func trusted(t testing.TB, s ssh.Signer) *bundle.TrustedKeys {
	t.Helper()
	tk, err := bundle.ParseTrustedKeys("test.pub", bundle.AuthorizedKey(s.PublicKey(), "test"))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestRoundTrip(t *testing.T) {
	s := forge.Key("roundtrip")
	b := write(t, s, testMembers, evidence.Gap{Item: "/etc/x", Kind: evidence.GapNotFound, Reason: "gone"})
	rd, err := bundle.Open(bytes.NewReader(b), bundle.Options{Trusted: trusted(t, s)})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if !rd.Verified() || rd.Signer() != bundle.Fingerprint(s.PublicKey()) {
		t.Fatalf("verified=%v signer=%q", rd.Verified(), rd.Signer())
	}
	m := rd.Manifest()
	if m.Format != bundle.FormatV1 || m.CreatedAt != "2026-03-01T12:00:00Z" || m.Node != "n1" || len(m.Gaps) != 1 {
		t.Fatalf("manifest %+v", m)
	}
	got := map[string]string{}
	var order []string
	for {
		mem, body, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("%s: %v", mem.Path, err)
		}
		got[mem.Path] = string(data)
		order = append(order, mem.Path)
	}
	for _, tm := range testMembers {
		if got[tm.path] != tm.data {
			t.Errorf("%s: content differs", tm.path)
		}
	}
	if len(order) != len(testMembers) || !isSorted(order) {
		t.Errorf("members %v: want all %d, sorted", order, len(testMembers))
	}
}

func isSorted(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}

// TestDeterministic: the same evidence at the same time gives byte-identical bundles, even
// when members and gaps are added in another order.
func TestDeterministic(t *testing.T) {
	s := forge.Key("det")
	g1 := evidence.Gap{Item: "/a", Kind: evidence.GapNotFound, Reason: "x"}
	g2 := evidence.Gap{Item: "/b", Kind: evidence.GapTimeout, Reason: "y"}
	a := write(t, s, testMembers, g1, g2)
	rev := append([]member(nil), testMembers...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	b := write(t, s, rev, g2, g1)
	if !bytes.Equal(a, b) {
		t.Fatalf("bundles differ: %d and %d bytes", len(a), len(b))
	}
	c := write(t, s, testMembers[:3], g1, g2)
	if bytes.Equal(a, c) {
		t.Fatal("different evidence gave the same bundle")
	}
}

// TestCanonicalHeaders checks the tar headers the writer emits (docs/bundle-format.md §2).
func TestCanonicalHeaders(t *testing.T) {
	b := write(t, forge.Key("hdr"), testMembers)
	entries, err := forge.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if entries[0].Name() != bundle.ManifestName || entries[1].Name() != bundle.SignatureName {
		t.Fatalf("first entries %q, %q", entries[0].Name(), entries[1].Name())
	}
	for _, e := range entries {
		h := e.Hdr
		if h.Typeflag != '0' || h.Mode != 0o644 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" ||
			!h.ModTime.Equal(testTime) || h.Linkname != "" {
			t.Errorf("%s: non-canonical header %+v", h.Name, h)
		}
	}
}

func TestKeyTypes(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]any{"rsa": rsaKey, "ecdsa": ecKey} {
		s, err := ssh.NewSignerFromKey(k)
		if err != nil {
			t.Fatal(err)
		}
		checkVerifies(t, name, s)
	}
	checkVerifies(t, "generated", gen)
}

func checkVerifies(t *testing.T, name string, s ssh.Signer) {
	b := write(t, s, testMembers)
	rep := bundle.Verify(bytes.NewReader(b), bundle.Options{Trusted: trusted(t, s)})
	if !rep.OK() || !rep.Verified || rep.Members != len(testMembers) {
		t.Errorf("%s: %v", name, rep.Problems)
	}
}

func TestWriterRefuses(t *testing.T) {
	w, err := bundle.NewWriter(nodeHeader())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for _, p := range []string{"", "/abs", "a/../b", "./a", "a//b", "a/", "manifest.json", "a\nb", `a"b`, `a\b`} {
		if err := w.Add(p, nil); err == nil {
			t.Errorf("Add(%q) accepted", p)
		}
	}
	if err := w.Add("node/host.json", nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Add("node/host.json", nil); err == nil {
		t.Error("duplicate accepted")
	}
	wc, err := w.Create("a")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add("b", nil); err == nil {
		t.Error("Add while a member is open accepted")
	}
	if _, err := w.Finish(io.Discard, forge.Key("x")); err == nil {
		t.Error("Finish with an open member accepted")
	}
	wc.Close()
	for _, h := range []bundle.Header{
		{Collector: bundle.Collector{Name: "t"}, CreatedAt: testTime, Scope: "pod", Node: "n"},
		{Collector: bundle.Collector{Name: "t"}, CreatedAt: testTime, Scope: bundle.ScopeNode},
		{Collector: bundle.Collector{Name: "t"}, Scope: bundle.ScopeNode, Node: "n"},
		{CreatedAt: testTime, Scope: bundle.ScopeNode, Node: "n"},
		{Collector: bundle.Collector{Name: "t"}, CreatedAt: testTime, Scope: bundle.ScopeCluster},
	} {
		if w, err := bundle.NewWriter(h); err == nil {
			w.Abort()
			t.Errorf("NewWriter(%+v) accepted", h)
		}
	}
}

func TestFinishAfterAbort(t *testing.T) {
	w, err := bundle.NewWriter(nodeHeader())
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if _, err := w.Finish(io.Discard, forge.Key("x")); err == nil {
		t.Fatal("Finish after Abort succeeded")
	}
}

// TestNextSkipsUnread: a member the caller does not read is still checked.
func TestNextSkipsUnread(t *testing.T) {
	s := forge.Key("skip")
	e, err := forge.Decode(write(t, s, testMembers))
	if err != nil {
		t.Fatal(err)
	}
	e[2].Data[0] ^= 1
	rd, err := bundle.Open(bytes.NewReader(forge.Encode(e)), bundle.Options{Trusted: trusted(t, s)})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if _, _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	_, _, err = rd.Next()
	var ve *bundle.VerifyError
	if !errors.As(err, &ve) || ve.Member != e[2].Name() || !strings.HasPrefix(ve.Reason, "sha256 mismatch") {
		t.Fatalf("Next after an unread bad member = %v", err)
	}
	for {
		_, body, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, body)
	}
}

func TestInsecureSkipVerify(t *testing.T) {
	s := forge.Key("insecure")
	b := write(t, s, testMembers)
	rep := bundle.Verify(bytes.NewReader(b), bundle.Options{InsecureSkipVerify: true})
	if !rep.OK() || rep.Verified || rep.Signer != bundle.Fingerprint(s.PublicKey()) {
		t.Fatalf("insecure: ok=%v verified=%v signer=%q %v", rep.OK(), rep.Verified, rep.Signer, rep.Problems)
	}
	e, _ := forge.Decode(b)
	e[3].Data[0] ^= 1
	rep = bundle.Verify(bytes.NewReader(forge.Encode(e)), bundle.Options{InsecureSkipVerify: true})
	if rep.OK() || rep.Problems[0].Member != e[3].Name() {
		t.Fatalf("insecure mode must still check hashes: %v", rep.Problems)
	}
	unsigned := forge.Encode(append(e[:1:1], e[2:]...))
	rep = bundle.Verify(bytes.NewReader(unsigned), bundle.Options{InsecureSkipVerify: true})
	if len(rep.Problems) != 1 || rep.Signer != "" {
		t.Fatalf("insecure, unsigned: %v signer %q", rep.Problems, rep.Signer)
	}
	if _, err := bundle.Open(bytes.NewReader(b), bundle.Options{}); err == nil {
		t.Fatal("Open without trusted keys succeeded")
	}
}

// TestProblemsCapped: Verify keeps the first 1000 problems and counts the rest.
func TestProblemsCapped(t *testing.T) {
	s := forge.Key("cap")
	ms := make([]bundle.Member, 1200)
	for i := range ms {
		ms[i] = forge.Member(fmt.Sprintf("node/m%04d", i), []byte("x"))
	}
	m := &bundle.Manifest{Format: bundle.FormatV1, Collector: bundle.Collector{Name: "t"}, CreatedAt: "2026-01-01T00:00:00Z",
		Scope: bundle.ScopeNode, Node: "n", Members: ms, Gaps: []evidence.Gap{}}
	rep := bundle.Verify(bytes.NewReader(forge.Encode(forge.Signed(m, s, bundle.FormatV1))), bundle.Options{Trusted: trusted(t, s)})
	if len(rep.Problems) != 1000 || rep.Omitted != 200 || rep.OK() || rep.Problems[999].Member != "node/m0999" {
		t.Fatalf("%d problems, %d omitted", len(rep.Problems), rep.Omitted)
	}
}

// TestManifestSizeBoundary: a manifest of exactly MaxManifestSize bytes is accepted, one
// byte more is not.
func TestManifestSizeBoundary(t *testing.T) {
	s := forge.Key("boundary")
	b := write(t, s, testMembers)
	e, _ := forge.Decode(b)
	n := int64(len(e[0].Data))
	for _, c := range []struct {
		max int64
		ok  bool
	}{{n, true}, {n - 1, false}} {
		rep := bundle.Verify(bytes.NewReader(b), bundle.Options{Trusted: trusted(t, s), Limits: bundle.Limits{MaxManifestSize: c.max}})
		if rep.OK() != c.ok {
			t.Errorf("MaxManifestSize %d for a %d-byte manifest: %v", c.max, n, rep.Problems)
		}
		if !c.ok && (rep.Problems[0].Member != "manifest.json" || !strings.HasPrefix(rep.Problems[0].Reason, "too large")) {
			t.Errorf("problem %v", rep.Problems[0])
		}
	}
}
