package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sort"
	"time"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/crypto/ssh"

	"github.com/kubeproof/kubeproof/evidence"
)

// Header is what the writer needs to know about a bundle besides its members.
type Header struct {
	Collector Collector
	CreatedAt time.Time // stored in UTC, truncated to whole seconds
	Scope     string    // ScopeNode or ScopeCluster
	Node      string    // node name, for ScopeNode
	Cluster   *Cluster  // cluster identity, for ScopeCluster
}

// Writer builds one bundle. Members are spooled to an unlinked temporary file, so memory
// stays bounded whatever their size; Finish writes the signed bundle. A Writer is not safe
// for concurrent use.
type Writer struct {
	m       Manifest
	mtime   time.Time
	spool   *os.File
	off     int64
	members map[string]spooled
	open    *memberWriter
	err     error
	done    bool
}

type spooled struct {
	off  int64
	m    Member
	hash []byte
}

// NewWriter starts a bundle described by h.
func NewWriter(h Header) (*Writer, error) {
	m := Manifest{
		Format:    FormatV1,
		Collector: h.Collector,
		CreatedAt: h.CreatedAt.UTC().Truncate(time.Second).Format(time.RFC3339),
		Scope:     h.Scope,
		Node:      h.Node,
		Cluster:   h.Cluster,
		Members:   []Member{},
		Gaps:      []evidence.Gap{},
	}
	if h.CreatedAt.IsZero() || h.CreatedAt.Before(time.Unix(0, 0)) {
		return nil, fmt.Errorf("bundle header: created_at %v is not set or before 1970", h.CreatedAt)
	}
	if m.Collector.Name == "" {
		return nil, fmt.Errorf("bundle header: collector name is empty")
	}
	if err := checkScope(m.Scope, m.Node, m.Cluster); err != nil {
		return nil, fmt.Errorf("bundle header: %w", err)
	}
	f, err := os.CreateTemp("", "kubeproof-bundle-*.spool")
	if err != nil {
		return nil, fmt.Errorf("create spool file: %w", err)
	}
	// Unlink at once: the data lives as long as the descriptor and never outlives the process.
	_ = os.Remove(f.Name())
	return &Writer{m: m, mtime: m.Time(), spool: f, members: map[string]spooled{}}, nil
}

// Add adds a member with the given content.
func (w *Writer) Add(path string, data []byte) error {
	mw, err := w.Create(path)
	if err != nil {
		return err
	}
	if _, err := mw.Write(data); err != nil {
		return err
	}
	return mw.Close()
}

// AddJSON adds a member holding v as deterministic JSON (encoding/json, no HTML escaping)
// followed by a newline.
func (w *Writer) AddJSON(path string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("member %q: encode JSON: %w", path, err)
	}
	return w.Add(path, buf.Bytes())
}

// Create starts a member whose content is written to the returned WriteCloser; Close it
// before adding the next member. Paths must be canonical (docs/bundle-format.md) and unique.
func (w *Writer) Create(path string) (io.WriteCloser, error) {
	if err := w.usable(); err != nil {
		return nil, err
	}
	if w.open != nil {
		return nil, fmt.Errorf("member %q: member %q is still open", path, w.open.path)
	}
	if err := checkMemberPath(path); err != nil {
		return nil, fmt.Errorf("member %q: %w", path, err)
	}
	if _, dup := w.members[path]; dup {
		return nil, fmt.Errorf("member %q: added twice", path)
	}
	if len(w.members) >= DefaultMaxMembers {
		return nil, fmt.Errorf("member %q: more than %d members", path, DefaultMaxMembers)
	}
	w.open = &memberWriter{w: w, path: path, off: w.off, h: sha256.New()}
	return w.open, nil
}

// AddGap records something the collector could not collect.
func (w *Writer) AddGap(g evidence.Gap) { w.m.Gaps = append(w.m.Gaps, g) }

func (w *Writer) usable() error {
	switch {
	case w.done:
		return errors.New("bundle writer already finished or aborted")
	case w.err != nil:
		return w.err
	}
	return nil
}

// Abort discards everything written so far. It is safe to call after Finish.
func (w *Writer) Abort() {
	if !w.done {
		w.done = true
		w.spool.Close()
	}
}

// memberWriter streams one member into the spool file.
type memberWriter struct {
	w      *Writer
	path   string
	off    int64
	n      int64
	h      hash.Hash
	closed bool
}

func (mw *memberWriter) Write(p []byte) (int, error) {
	if mw.closed {
		return 0, fmt.Errorf("member %q: write after close", mw.path)
	}
	if err := mw.w.usable(); err != nil {
		return 0, err
	}
	if mw.n+int64(len(p)) > DefaultMaxMemberSize {
		mw.w.err = fmt.Errorf("member %q: larger than %d bytes", mw.path, DefaultMaxMemberSize)
		return 0, mw.w.err
	}
	n, err := mw.w.spool.WriteAt(p, mw.off+mw.n)
	mw.n += int64(n)
	mw.h.Write(p[:n])
	if err != nil {
		mw.w.err = fmt.Errorf("member %q: spool: %w", mw.path, err)
	}
	return n, mw.w.err
}

func (mw *memberWriter) Close() error {
	if mw.closed {
		return nil
	}
	mw.closed = true
	w := mw.w
	w.open = nil
	if err := w.usable(); err != nil {
		return err
	}
	if w.off+mw.n > DefaultMaxTotalSize {
		w.err = fmt.Errorf("member %q: the bundle would exceed %d bytes of evidence", mw.path, int64(DefaultMaxTotalSize))
		return w.err
	}
	sum := mw.h.Sum(nil)
	w.members[mw.path] = spooled{off: mw.off, hash: sum,
		m: Member{Path: mw.path, Size: mw.n, SHA256: hex.EncodeToString(sum)}}
	w.off += mw.n
	return nil
}

// Finish writes the signed bundle to out and returns its manifest. The writer cannot be
// used afterwards. The same members, gaps, header and (Ed25519 or RSA) key always give the
// same bytes.
func (w *Writer) Finish(out io.Writer, s ssh.Signer) (*Manifest, error) {
	if err := w.usable(); err != nil {
		return nil, err
	}
	defer w.Abort()
	if w.open != nil {
		return nil, fmt.Errorf("finish bundle: member %q is still open", w.open.path)
	}
	order := w.sorted()
	w.m.Members = make([]Member, len(order))
	for i, sp := range order {
		w.m.Members[i] = sp.m
	}
	sortGaps(w.m.Gaps)
	mb, err := marshalManifest(&w.m)
	if err != nil {
		return nil, fmt.Errorf("finish bundle: encode manifest: %w", err)
	}
	if int64(len(mb)) > DefaultMaxManifestSize {
		return nil, fmt.Errorf("finish bundle: manifest is %d bytes, more than readers accept (%d)", len(mb), DefaultMaxManifestSize)
	}
	sig, err := signManifest(mb, s)
	if err != nil {
		return nil, fmt.Errorf("finish bundle: %w", err)
	}
	if err := w.write(out, mb, sig, order); err != nil {
		return nil, fmt.Errorf("finish bundle: %w", err)
	}
	m := w.m
	return &m, nil
}

func (w *Writer) sorted() []spooled {
	order := make([]spooled, 0, len(w.members))
	for _, sp := range w.members {
		order = append(order, sp)
	}
	sort.Slice(order, func(i, j int) bool { return order[i].m.Path < order[j].m.Path })
	return order
}

func sortGaps(g []evidence.Gap) {
	sort.SliceStable(g, func(i, j int) bool {
		a, b := g[i], g[j]
		if a.Item != b.Item {
			return a.Item < b.Item
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Reason < b.Reason
	})
}

// newEncoder returns the zstd encoder every bundle is written with (fixed options, one
// goroutine: the output depends only on the input).
func newEncoder(out io.Writer) (*zstd.Encoder, error) {
	return zstd.NewWriter(out,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(8<<20),
		zstd.WithEncoderCRC(true))
}

// write streams the tar members through zstd into out, re-hashing spooled members.
func (w *Writer) write(out io.Writer, manifest, sig []byte, order []spooled) error {
	zw, err := newEncoder(out)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	if err := w.writeBytes(tw, ManifestName, manifest); err != nil {
		return err
	}
	if err := w.writeBytes(tw, SignatureName, sig); err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for _, sp := range order {
		if err := w.copyMember(tw, sp, buf); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func (w *Writer) writeBytes(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(canonicalHeader(name, int64(len(b)), w.mtime)); err != nil {
		return fmt.Errorf("member %q: %w", name, err)
	}
	_, err := tw.Write(b)
	return err
}

func (w *Writer) copyMember(tw *tar.Writer, sp spooled, buf []byte) error {
	if err := tw.WriteHeader(canonicalHeader(sp.m.Path, sp.m.Size, w.mtime)); err != nil {
		return fmt.Errorf("member %q: %w", sp.m.Path, err)
	}
	h := sha256.New()
	src := io.NewSectionReader(w.spool, sp.off, sp.m.Size)
	if _, err := io.CopyBuffer(io.MultiWriter(tw, h), src, buf); err != nil {
		return fmt.Errorf("member %q: %w", sp.m.Path, err)
	}
	if !bytes.Equal(h.Sum(nil), sp.hash) {
		return fmt.Errorf("member %q: spooled content changed before it was written", sp.m.Path)
	}
	return nil
}
