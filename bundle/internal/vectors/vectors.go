// Package vectors generates the test vectors of testdata/bundles: one valid or broken
// bundle per case of docs/bundle-format.md, each with its expected result. The generator
// is deterministic, so the stored vectors can be checked against a fresh run.
package vectors

import (
	"archive/tar"
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/bundle/internal/forge"
	"github.com/kubeproof/kubeproof/evidence"
)

// Vector is one test bundle and what a reader must make of it.
type Vector struct {
	Name   string
	Data   []byte
	Expect Expect
}

// Expect is the parsed NAME.expect file.
type Expect struct {
	Comment  string
	OK       bool
	Trust    string    // key file in testdata/bundles/keys
	Limits   string    // e.g. "max-members=2"; "" for defaults
	Problems []Problem // for a failing vector, in order
}

// Problem is one expected problem: the member ("" for the stream) and a reason prefix.
type Problem struct {
	Member string
	Reason string
}

// Time is every vector's created_at.
var Time = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Signer and Other are the trusted and the untrusted test keys.
var (
	Signer = forge.Key("signer")
	Other  = forge.Key("other")
)

// Keys returns the trust files of testdata/bundles/keys by name.
func Keys() map[string][]byte {
	pub := bundle.AuthorizedKey(Signer.PublicKey(), "kubeproof-test-signer")
	return map[string][]byte{
		"signer.pub":              pub,
		"other.pub":               bundle.AuthorizedKey(Other.PublicKey(), "kubeproof-test-other"),
		"allowed_signers":         []byte("# test signer, any namespace matching kubeproof.dev/*\ncollector@example.com namespaces=\"kubeproof.dev/*\" " + string(pub)),
		"allowed_signers_gitonly": []byte("collector@example.com namespaces=\"git\" " + string(pub)),
	}
}

func nodeHeader() bundle.Header {
	return bundle.Header{Collector: bundle.Collector{Name: "kubeproof-collect", Version: "v0.0.0-test", Revision: "0000000"},
		CreatedAt: Time, Scope: bundle.ScopeNode, Node: "cp-1"}
}

// nodeBundle writes the base node bundle with the real writer.
func nodeBundle() []byte {
	w, err := bundle.NewWriter(nodeHeader())
	must(err)
	must(w.AddJSON(evidence.PathHost, evidence.Host{NodeName: "cp-1", Hostname: "cp-1", Kernel: "6.1.0", CollectedAt: Time.Format(time.RFC3339)}))
	must(w.AddJSON(evidence.PathProcesses, []evidence.Process{{Component: "kube-apiserver", Source: evidence.SourceProc, PID: 42,
		Argv: []string{"kube-apiserver", "--anonymous-auth=false"}, Flags: []evidence.Flag{{Name: "anonymous-auth", Value: "false", HasValue: true}}}}))
	must(w.AddJSON(evidence.FileMember("/etc/kubernetes/manifests/kube-apiserver.yaml"), evidence.File{
		Path: "/etc/kubernetes/manifests/kube-apiserver.yaml", Roles: []string{"kube-apiserver.manifest"}, Exists: true,
		Type: evidence.TypeFile, Mode: 0o600, Size: 1234, Format: "yaml", Content: map[string]any{"kind": "Pod"}}))
	w.AddGap(evidence.Gap{Item: "/etc/kubernetes/admin.conf", Kind: evidence.GapNotFound, Reason: "no such file"})
	return finish(w)
}

func clusterBundle() []byte {
	w, err := bundle.NewWriter(bundle.Header{Collector: bundle.Collector{Name: "kubeproof-collect", Version: "v0.0.0-test"},
		CreatedAt: Time, Scope: bundle.ScopeCluster,
		Cluster: &bundle.Cluster{Name: "test", KubeSystemUID: "8a1c2f1e-0000-4000-8000-000000000001", ServerVersion: "v1.37.1"}})
	must(err)
	must(w.AddJSON(evidence.PathClusterInfo, evidence.ClusterInfo{KubeSystemUID: "8a1c2f1e-0000-4000-8000-000000000001", ServerVersion: "v1.37.1", CollectedAt: Time.Format(time.RFC3339)}))
	must(w.Add(evidence.PrefixObjects+"core/v1/namespaces/00001.jsonl", []byte("{\"metadata\":{\"name\":\"default\"}}\n{\"metadata\":{\"name\":\"kube-system\"}}\n")))
	return finish(w)
}

func finish(w *bundle.Writer) []byte {
	var buf bytes.Buffer
	_, err := w.Finish(&buf, Signer)
	must(err)
	return buf.Bytes()
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// base returns the entries of the base node bundle.
func base() []forge.Entry {
	e, err := forge.Decode(nodeBundle())
	must(err)
	return e
}

func baseManifest() *bundle.Manifest {
	var m bundle.Manifest
	must(bundle.DecodeJSON(bytes.NewReader(base()[0].Data), &m, bundle.Limits{}))
	return &m
}

// Generate returns every vector, in a fixed order.
func Generate() []Vector {
	var vs []Vector
	add := func(name, comment string, data []byte, ok bool, problems ...Problem) {
		vs = append(vs, Vector{Name: name, Data: data, Expect: Expect{Comment: comment, OK: ok, Trust: "signer.pub", Problems: problems}})
	}
	good(add)
	signature(add, &vs)
	members(add)
	entries(add)
	stream(add)
	limits(&vs)
	return vs
}

type addFunc func(name, comment string, data []byte, ok bool, problems ...Problem)

func p(member, reason string) Problem { return Problem{Member: member, Reason: reason} }

func good(add addFunc) {
	add("good-node", "a valid node bundle written by bundle.Writer", nodeBundle(), true)
	add("good-cluster", "a valid cluster bundle written by bundle.Writer", clusterBundle(), true)
	w, err := bundle.NewWriter(nodeHeader())
	must(err)
	add("good-empty", "a valid bundle with no members", finish(w), true)
	w, err = bundle.NewWriter(nodeHeader())
	must(err)
	long := evidence.FileMember("/var/lib/kubelet/" + strings.Repeat("very-long-directory-name/", 8) + "config.yaml")
	must(w.AddJSON(long, evidence.File{Path: long, Exists: false}))
	add("good-long-path", "a valid bundle whose member path needs a PAX header", finish(w), true)
	e := base()
	padded := forge.Tar(e)
	padded = append(padded, make([]byte, 10240-len(padded)%10240)...)
	add("good-record-padding", "a valid bundle whose tar is zero-padded to a 10240-byte record, as GNU tar writes", forge.Zstd(padded), true)
}

func signature(add addFunc, vs *[]Vector) {
	e := base()
	e[0].Data = bytes.Replace(e[0].Data, []byte(`"cp-1"`), []byte(`"cp-2"`), 1)
	add("flip-manifest", "manifest.json edited after signing (node name changed)", forge.Encode(e), false, p("manifest.json", "signature by"))
	e = base()
	i := bytes.Index(e[1].Data, []byte("\n-----END")) - 10
	e[1].Data[i] ^= 0x01 // a base64 character of the signature blob itself
	add("flip-signature", "one base64 character of the signature in manifest.json.sig changed", forge.Encode(e), false, p("manifest.json", "signature by"))
	e = base()
	e[1].Data = []byte("this is not an SSH signature\n")
	add("signature-garbled", "manifest.json.sig replaced by text", forge.Encode(e), false, p("manifest.json.sig", "invalid signature"))
	e = base()
	e[1].Data = forge.Sign(e[0].Data, Other, bundle.FormatV1)
	add("untrusted-key", "signed by a key that is not trusted", forge.Encode(e), false, p("manifest.json.sig", "untrusted key"))
	e = base()
	add("namespace-restricted", "the trusted key is limited to namespace git by allowed_signers", forge.Encode(e), false, p("manifest.json.sig", "untrusted key"))
	(*vs)[len(*vs)-1].Expect.Trust = "allowed_signers_gitonly"
	add("good-allowed-signers", "a valid bundle checked against an allowed_signers file", forge.Encode(e), true)
	(*vs)[len(*vs)-1].Expect.Trust = "allowed_signers"
	e = base()
	e[1].Data = forge.Sign(e[0].Data, Signer, "file")
	add("wrong-namespace", "signed by the trusted key for namespace \"file\"", forge.Encode(e), false, p("manifest.json.sig", "signature namespace"))
	e = base()
	add("signature-missing", "manifest.json.sig removed", forge.Encode(append(e[:1:1], e[2:]...)), false, p("manifest.json.sig", "missing"))
	e = base()
	e[0], e[1] = e[1], e[0]
	add("manifest-not-first", "manifest.json and manifest.json.sig swapped", forge.Encode(e), false, p("manifest.json", "missing"))
}

func members(add addFunc) {
	for i := 2; i < len(base()); i++ {
		e := base()
		e[i].Data[len(e[i].Data)/2] ^= 0x20
		add(fmt.Sprintf("flip-member-%d", i-1), "one byte of "+e[i].Name()+" flipped", forge.Encode(e), false, p(e[i].Name(), "sha256 mismatch"))
	}
	e := base()
	add("member-removed", "the last member removed", forge.Encode(e[:len(e)-1]), false, p(e[len(e)-1].Name(), "missing"))
	e = base()
	add("member-added", "a member the manifest does not list added at the end", forge.Encode(append(e, forge.Reg("node/extra.json", []byte("{}\n")))), false,
		p("node/extra.json", "not in manifest"))
	e = base()
	old := e[2].Name()
	e[2].Hdr.Name = "node/files/etc/renamed.json"
	add("member-renamed", "a member renamed in the archive", forge.Encode(e), false, p("node/files/etc/renamed.json", "not in manifest"), p(old, "missing"))
	e = base()
	e[3], e[4] = e[4], e[3]
	add("members-reordered", "two members swapped", forge.Encode(e), false, p(e[4].Name(), "out of order"))
	e = base()
	add("duplicate-member", "a member repeated", forge.Encode(append(e, e[3])), false, p(e[3].Name(), "duplicate member"))
	e = base()
	add("duplicate-manifest", "manifest.json repeated after the evidence", forge.Encode(append(e, e[0])), false, p("manifest.json", "duplicate member"))
	e = base()
	e[3].Data = append(e[3].Data, []byte("more data than declared\n")...)
	e[3].Hdr.Size = int64(len(e[3].Data))
	add("member-larger", "a member with more bytes than the manifest declares", forge.Encode(e), false, p(e[3].Name(), "size mismatch"))
}

func entries(add addFunc) {
	odd := func(name, comment string, h tar.Header, reason string) {
		e := base()
		add(name, comment, forge.Encode(append(e, forge.Entry{Hdr: h})), false, p(h.Name, reason))
	}
	odd("symlink-entry", "a symlink entry", tar.Header{Typeflag: tar.TypeSymlink, Name: "node/link", Linkname: "/etc/shadow", Mode: 0o777}, "not a regular file (symlink)")
	odd("hardlink-entry", "a hard link entry", tar.Header{Typeflag: tar.TypeLink, Name: "node/hardlink", Linkname: "node/host.json", Mode: 0o644}, "not a regular file (hard link)")
	odd("device-entry", "a character device entry", tar.Header{Typeflag: tar.TypeChar, Name: "node/null", Devmajor: 1, Devminor: 3, Mode: 0o666}, "not a regular file (device)")
	odd("directory-entry", "a directory entry", tar.Header{Typeflag: tar.TypeDir, Name: "node/", Mode: 0o755}, "not a regular file (directory)")
	path := func(name, comment, path, reason string) {
		e := base()
		add(name, comment, forge.Encode(append(e, forge.Reg(path, []byte("x")))), false, p(path, reason))
	}
	path("absolute-path", "an entry with an absolute path", "/etc/cron.d/evil", "invalid path")
	path("dotdot-path", "an entry with a .. element", "node/../../evil", "invalid path")
	path("dot-path", "an entry with a non-canonical ./ path", "./node/host.json", "invalid path")
}

func stream(add addFunc) {
	whole := nodeBundle()
	add("truncated", "the compressed stream cut in the middle", whole[:len(whole)/2], false, p("manifest.json", "truncated"))
	tr := forge.Tar(base())
	add("truncated-tar", "the tar cut after the last member: no end-of-archive marker", forge.Zstd(tr[:len(tr)-1024]), false, p("", "truncated"))
	add("empty", "an empty file", []byte{}, false, p("manifest.json", "truncated"))
	add("trailing-garbage-zstd", "bytes appended after the zstd stream", append(nodeBundle(), []byte("garbage after the zstd frame")...), false, p("", "trailing data"))
	add("trailing-garbage-tar", "data after the tar end-of-archive marker", forge.Zstd(append(forge.Tar(base()), []byte("garbage after the tar end")...)), false, p("", "trailing data"))
	add("not-zstd", "an uncompressed tar", forge.Tar(base()), false, p("manifest.json", "trailing data or not zstd"))
	add("zstd-window", "a zstd frame that asks for a 1 GiB window", windowFrame(30), false, p("manifest.json", "zstd window too large"))
	e := base()
	bomb := forge.Encode(append(e, forge.Entry{Hdr: tar.Header{Typeflag: tar.TypeReg, Name: "node/bomb", Size: 64 << 20, Mode: 0o644}, Data: make([]byte, 64<<20)}))
	add("zstd-bomb", "a small file that decompresses to 64 MiB more than the manifest declares", bomb, false, p("node/bomb", "not in manifest"), p("", "too large"))
}

// windowFrame returns a zstd frame header declaring a 2^log-byte window, then an empty last block.
func windowFrame(log int) []byte {
	return []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, byte((log - 10) << 3), 0x01, 0x00, 0x00}
}

func limits(vs *[]Vector) {
	add := func(name, comment, lim string, data []byte, problems ...Problem) {
		*vs = append(*vs, Vector{Name: name, Data: data, Expect: Expect{Comment: comment, Trust: "signer.pub", Limits: lim, Problems: problems}})
	}
	add("too-many-members", "a manifest listing 3 members read with max-members=2", "max-members=2", nodeBundle(), p("manifest.json", "invalid manifest: too many members"))
	m := baseManifest()
	m.Members = m.Members[:2]
	e := base()
	add("too-many-entries", "a manifest of 2 members but 3 entries, read with max-members=2", "max-members=2",
		forge.Encode(forge.Signed(m, Signer, bundle.FormatV1, e[2:]...)), p(e[4].Name(), "too many members"))
	m = baseManifest()
	m.Members[0].Size = 1 << 40
	add("member-too-large", "a signed manifest declaring a 1 TiB member", "", forge.Encode(forge.Signed(m, Signer, bundle.FormatV1, base()[2:]...)), p("manifest.json", "invalid manifest"))
	mb := forge.Manifest(baseManifest())
	mb = bytes.Replace(mb, []byte(`"scope"`), []byte(`"extra": 1, "scope"`), 1)
	add("manifest-unknown-field", "a signed manifest with a field v1 does not define", "", signedRaw(mb), p("manifest.json", "invalid manifest"))
	m = baseManifest()
	m.Members[0], m.Members[1] = m.Members[1], m.Members[0]
	add("manifest-unsorted", "a signed manifest whose members are not sorted", "", forge.Encode(forge.Signed(m, Signer, bundle.FormatV1, base()[2:]...)), p("manifest.json", "invalid manifest"))
	mb = forge.Manifest(baseManifest())
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	mb = bytes.Replace(mb, []byte(`"gaps": [`), []byte(`"gaps": [`+deep+`,`), 1)
	add("manifest-too-deep", "a signed manifest nested 200 levels deep", "", signedRaw(mb), p("manifest.json", "invalid manifest"))
}

// signedRaw returns a bundle of raw manifest bytes, signed by Signer, and the base evidence.
func signedRaw(mb []byte) []byte {
	e := append([]forge.Entry{forge.Reg(bundle.ManifestName, mb), forge.Reg(bundle.SignatureName, forge.Sign(mb, Signer, bundle.FormatV1))}, base()[2:]...)
	return forge.Encode(e)
}
