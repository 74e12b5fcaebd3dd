package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/hiddeco/sshsig"
	"github.com/klauspost/compress/zstd"
)

// Options control Open and Verify.
type Options struct {
	// Trusted holds the keys whose signatures are accepted. Required unless InsecureSkipVerify.
	Trusted *TrustedKeys
	// Limits bound what is accepted; zero fields take DefaultLimits values.
	Limits Limits
	// InsecureSkipVerify skips the signature check only: sizes and hashes are still checked,
	// and Reader.Verified reports false. Use it only to look at evidence whose signer is
	// unknown, and say so wherever the evidence is shown.
	InsecureSkipVerify bool
}

// Reader reads a bundle whose manifest signature has been verified. Members come out in
// manifest order through Next; each member's bytes are checked against the manifest as
// they are read. Content is trustworthy only once its reader has returned io.EOF.
type Reader struct {
	lim      Limits
	dec      *zstd.Decoder
	cap      *capReader
	tail     *tailReader
	br       *bufio.Reader
	tr       *tar.Reader
	m        *Manifest
	signer   string
	trusted  string
	verified bool

	index   map[string]int
	seen    []bool
	next    int // manifest index after the furthest member seen
	entries int
	pending *tar.Header
	cur     *memberReader
	queue   []*VerifyError
	eof     bool
	err     *VerifyError // fatal: the stream cannot be read further
}

// Open reads and checks manifest.json and its signature from r (a .tar.zst bundle) and
// returns a Reader positioned before the first evidence member. Every error that concerns
// the bundle is a *VerifyError. Open never writes to disk.
func Open(r io.Reader, o Options) (*Reader, error) {
	rd, err := open(r, o)
	if err != nil {
		if rd != nil {
			rd.Close()
		}
		return nil, err
	}
	return rd, nil
}

// open is Open, but on a verification error it also returns the partly read Reader, so
// that Verify can report who signed the bundle.
func open(r io.Reader, o Options) (*Reader, error) {
	if o.Trusted == nil && !o.InsecureSkipVerify {
		return nil, errors.New("open bundle: no trusted keys given")
	}
	lim := o.Limits.withDefaults()
	dec, err := zstd.NewReader(r,
		zstd.WithDecoderConcurrency(decoderConcurrency),
		zstd.WithDecoderMaxWindow(lim.MaxZstdWindow),
		zstd.WithDecoderMaxMemory(lim.MaxZstdWindow),
		zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	rd := &Reader{lim: lim, dec: dec}
	rd.cap = &capReader{r: dec, left: headerBudget(lim)}
	rd.br = bufio.NewReaderSize(rd.cap, readBufferSize)
	rd.tail = &tailReader{r: rd.br}
	rd.tr = tar.NewReader(rd.tail)
	if err := rd.readHead(o); err != nil {
		return rd, err
	}
	return rd, nil
}

// decoderConcurrency and readBufferSize are tuned by hack/bench-verify.sh.
const (
	decoderConcurrency = 2
	readBufferSize     = 64 << 10
)

// headerBudget bounds the decompressed bytes read before the manifest is known: the two
// fixed members at their limits, and the read-ahead of the buffer (which must never hit
// the cap, since the buffered reader would keep that error).
func headerBudget(l Limits) int64 {
	return 4*blockSize + pad(l.MaxManifestSize) + 4*blockSize + pad(maxSignatureSize) + 2*blockSize + readBufferSize
}

const blockSize = 512

func pad(n int64) int64 { return (n + blockSize - 1) / blockSize * blockSize }

// readHead reads the manifest and its signature, verifies it, and parses the manifest.
func (rd *Reader) readHead(o Options) error {
	mb, err := rd.readFixed(ManifestName, rd.lim.MaxManifestSize)
	if err != nil {
		return err
	}
	sig, err := rd.readSignature(o.InsecureSkipVerify)
	if err != nil {
		return err
	}
	if err := rd.checkSignature(mb, sig, o); err != nil {
		return err
	}
	m, err := parseManifest(mb, rd.lim)
	if err != nil {
		return fatalf(ManifestName, err, "invalid manifest: %v", err)
	}
	rd.setManifest(m)
	return nil
}

// readFixed reads the next entry, which must be the regular file name of at most max bytes.
func (rd *Reader) readFixed(name string, max int64) ([]byte, error) {
	hdr, err := rd.tr.Next()
	if err != nil {
		return nil, rd.streamError(name, err)
	}
	return rd.readFixedEntry(hdr, name, max)
}

func (rd *Reader) readFixedEntry(hdr *tar.Header, name string, max int64) ([]byte, error) {
	switch {
	case hdr.Name != name:
		return nil, fatalf(name, nil, "missing: the archive has %q where %q must be", hdr.Name, name)
	case hdr.Typeflag != tar.TypeReg:
		return nil, fatalf(name, nil, "not a regular file (%s)", typeName(hdr.Typeflag))
	case hdr.Size > max:
		return nil, fatalf(name, nil, "too large: %d bytes (limit %d)", hdr.Size, max)
	}
	b := make([]byte, hdr.Size)
	if _, err := io.ReadFull(rd.tr, b); err != nil {
		return nil, rd.streamError(name, err)
	}
	return b, nil
}

// readSignature reads manifest.json.sig; when insecure, a missing one is tolerated.
func (rd *Reader) readSignature(insecure bool) ([]byte, error) {
	hdr, err := rd.tr.Next()
	if errors.Is(err, io.EOF) && insecure {
		return nil, nil
	}
	if errors.Is(err, io.EOF) {
		return nil, fatalf(SignatureName, nil, "missing: the bundle is not signed")
	}
	if err != nil {
		return nil, rd.streamError(SignatureName, err)
	}
	if hdr.Name != SignatureName && insecure {
		rd.pending = hdr
		return nil, nil
	}
	if hdr.Name != SignatureName {
		return nil, fatalf(SignatureName, nil, "missing: the bundle is not signed (second member is %q)", hdr.Name)
	}
	return rd.readFixedEntry(hdr, SignatureName, maxSignatureSize)
}

// checkSignature verifies sig over mb (or, when insecure, only notes who claims to sign).
func (rd *Reader) checkSignature(mb, sig []byte, o Options) error {
	var s *sshsig.Signature
	if sig != nil {
		var err error
		if s, err = parseSignature(sig); err != nil && !o.InsecureSkipVerify {
			return fatalf(SignatureName, err, "invalid signature: %v", err)
		}
		if s != nil {
			rd.signer = Fingerprint(s.PublicKey)
		}
	}
	if o.InsecureSkipVerify {
		return nil
	}
	k, err := verifySignature(mb, s, o.Trusted)
	if errors.Is(err, ErrUntrustedKey) || errors.Is(err, errNamespace) {
		return fatalf(SignatureName, err, "%v", err)
	}
	if err != nil {
		return fatalf(ManifestName, err, "%v", err)
	}
	rd.verified, rd.trusted = true, k.source
	return nil
}

// setManifest indexes m and widens the stream budget to what m declares.
func (rd *Reader) setManifest(m *Manifest) {
	rd.m = m
	rd.index = make(map[string]int, len(m.Members))
	budget := rd.cap.read + 2*blockSize + maxTrailingZeros + readBufferSize
	for i, mem := range m.Members {
		rd.index[mem.Path] = i
		budget += 4*blockSize + pad(int64(len(mem.Path))+64) + pad(mem.Size)
	}
	rd.seen = make([]bool, len(m.Members))
	rd.cap.left = budget - rd.cap.read
}

// Manifest returns the bundle's manifest.
func (rd *Reader) Manifest() *Manifest { return rd.m }

// Signer returns the fingerprint ("SHA256:…") of the key that signed the manifest: the
// verified key, or with InsecureSkipVerify the key the signature names ("" if none).
func (rd *Reader) Signer() string { return rd.signer }

// TrustedBy returns where the verifying key was trusted ("FILE:LINE"), or "".
func (rd *Reader) TrustedBy() string { return rd.trusted }

// Verified reports whether the manifest signature was verified against a trusted key.
func (rd *Reader) Verified() bool { return rd.verified }

// Close releases the decompressor. Reading to io.EOF does not make Close unnecessary.
func (rd *Reader) Close() error {
	if rd.dec != nil {
		rd.dec.Close()
		rd.dec = nil
	}
	return nil
}

// Next returns the next evidence member and a reader of its content, in manifest order, or
// io.EOF after the last. A problem with one member (hash or size mismatch, an entry the
// manifest does not list, a missing member, …) is returned as a *VerifyError and Next may
// be called again to go on; once the stream itself is broken every call returns the same
// error.
func (rd *Reader) Next() (Member, io.Reader, error) {
	if rd.err != nil {
		return Member{}, nil, rd.err
	}
	if err := rd.finishCurrent(); err != nil {
		return Member{}, nil, err
	}
	for {
		if len(rd.queue) > 0 {
			e := rd.queue[0]
			rd.queue = rd.queue[1:]
			return Member{}, nil, e
		}
		if rd.eof {
			rd.Close()
			return Member{}, nil, io.EOF
		}
		hdr, err := rd.nextHeader()
		if errors.Is(err, io.EOF) {
			rd.atEnd()
			continue
		}
		if err != nil {
			return Member{}, nil, rd.fail(rd.streamError(rd.lastName(), err))
		}
		m, ve := rd.match(hdr)
		if ve != nil {
			if ve.fatal {
				return Member{}, nil, rd.fail(ve)
			}
			return Member{}, nil, ve
		}
		rd.cur = &memberReader{rd: rd, m: m, h: sha256.New()}
		return m, rd.cur, nil
	}
}

func (rd *Reader) fail(ve *VerifyError) *VerifyError {
	ve.fatal = true
	rd.err = ve
	rd.Close()
	return ve
}

func (rd *Reader) lastName() string {
	if rd.cur != nil {
		return rd.cur.m.Path
	}
	return ""
}

func (rd *Reader) nextHeader() (*tar.Header, error) {
	if rd.pending != nil {
		h := rd.pending
		rd.pending = nil
		return h, nil
	}
	return rd.tr.Next()
}

// finishCurrent drains the member the caller left unread; its problem is returned if the
// caller has not seen it yet.
func (rd *Reader) finishCurrent() error {
	mr := rd.cur
	if mr == nil {
		return nil
	}
	if !mr.done {
		buf := make([]byte, 32<<10)
		for !mr.done {
			mr.read(buf)
		}
	}
	rd.cur = nil
	if mr.err != nil && !errors.Is(mr.err, io.EOF) && !mr.reported {
		mr.reported = true
		return mr.err
	}
	if rd.err != nil {
		return rd.err
	}
	return nil
}

// match checks one tar entry against the manifest and returns its manifest member.
func (rd *Reader) match(hdr *tar.Header) (Member, *VerifyError) {
	rd.entries++
	if rd.entries > rd.lim.MaxMembers {
		return Member{}, fatalf(hdr.Name, nil, "too many members: more than %d entries in the archive", rd.lim.MaxMembers)
	}
	if hdr.Name == ManifestName || hdr.Name == SignatureName {
		return Member{}, problem(hdr.Name, "duplicate member")
	}
	if ve := checkEntry(hdr); ve != nil {
		return Member{}, ve
	}
	i, ok := rd.index[hdr.Name]
	switch {
	case !ok:
		return Member{}, problem(hdr.Name, "not in manifest: the archive holds a member the signed manifest does not list")
	case rd.seen[i]:
		return Member{}, problem(hdr.Name, "duplicate member")
	}
	rd.seen[i] = true
	m := rd.m.Members[i]
	if i < rd.next {
		return Member{}, problem(hdr.Name, "out of order: it comes after %q in the archive but before it in the manifest", rd.m.Members[rd.next-1].Path)
	}
	rd.next = i + 1
	if hdr.Size != m.Size {
		return Member{}, problem(hdr.Name, "size mismatch: %d bytes in the archive, %d in the manifest", hdr.Size, m.Size)
	}
	return m, nil
}

// checkEntry rejects entries that are not canonical regular files.
func checkEntry(hdr *tar.Header) *VerifyError {
	if hdr.Typeflag != tar.TypeReg {
		return problem(hdr.Name, "not a regular file (%s)", typeName(hdr.Typeflag))
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse") {
			return problem(hdr.Name, "not a regular file (sparse)")
		}
	}
	if err := checkMemberPath(hdr.Name); err != nil {
		return problem(hdr.Name, "%v", err)
	}
	return nil
}

func typeName(t byte) string {
	switch t {
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device"
	case tar.TypeDir:
		return "directory"
	case tar.TypeFifo:
		return "fifo"
	}
	return fmt.Sprintf("tar type %q", t)
}

// atEnd runs at the tar end: it queues missing members and checks what follows the archive.
func (rd *Reader) atEnd() {
	rd.eof = true
	for i, ok := range rd.seen {
		if !ok {
			rd.queue = append(rd.queue, problem(rd.m.Members[i].Path, "missing: listed in the manifest but not in the archive"))
		}
	}
	if ve := rd.checkTrailer(); ve != nil {
		rd.queue = append(rd.queue, ve)
	}
}

// checkTrailer requires the end-of-archive marker and nothing but < 10240 zero bytes after it.
func (rd *Reader) checkTrailer() *VerifyError {
	if !rd.tail.endMarker() {
		return problem("", "truncated: the archive has no end-of-archive marker")
	}
	var zc zeroCounter
	_, err := io.Copy(&zc, io.LimitReader(rd.br, maxTrailingZeros+1))
	switch {
	case err != nil:
		return rd.streamError("", err)
	case zc.nonZero || zc.n > maxTrailingZeros:
		return problem("", "trailing data after the end of the archive")
	}
	return nil
}

// streamError turns an error from the decompressor or tar reader into a fatal VerifyError.
func (rd *Reader) streamError(member string, err error) *VerifyError {
	switch {
	case errors.Is(err, errStreamTooLong):
		return fatalf(member, err, "too large: the stream is longer than the manifest declares")
	case errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return fatalf(member, err, "zstd window too large (limit %d bytes)", rd.lim.MaxZstdWindow)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fatalf(member, err, "truncated: the stream ends early")
	case errors.Is(err, zstd.ErrMagicMismatch):
		return fatalf(member, err, "trailing data or not zstd: %v", err)
	case errors.Is(err, tar.ErrHeader):
		return fatalf(member, err, "corrupt archive: %v", err)
	}
	return fatalf(member, err, "corrupt stream: %v", err)
}

// memberReader hashes one member's bytes as they pass and checks them at the end.
type memberReader struct {
	rd       *Reader
	m        Member
	h        hash.Hash
	n        int64
	done     bool
	err      error // io.EOF, or the member's problem
	reported bool
}

func (mr *memberReader) Read(p []byte) (int, error) {
	n, err := mr.read(p)
	if err != nil {
		mr.reported = true
	}
	return n, err
}

// read is Read without noting that the caller saw the outcome.
func (mr *memberReader) read(p []byte) (int, error) {
	if mr.done {
		return 0, mr.err
	}
	n, err := mr.rd.tr.Read(p)
	mr.h.Write(p[:n])
	mr.n += int64(n)
	switch {
	case errors.Is(err, io.EOF):
		mr.done, mr.err = true, mr.check()
		return n, mr.err
	case err != nil:
		mr.done = true
		mr.err = mr.rd.fail(mr.rd.streamError(mr.m.Path, err))
		return n, mr.err
	}
	return n, nil
}

func (mr *memberReader) check() error {
	if mr.n != mr.m.Size {
		return problem(mr.m.Path, "size mismatch: %d bytes read, %d in the manifest", mr.n, mr.m.Size)
	}
	if sum := hex.EncodeToString(mr.h.Sum(nil)); sum != mr.m.SHA256 {
		return problem(mr.m.Path, "sha256 mismatch: content is %s, manifest says %s", sum, mr.m.SHA256)
	}
	return io.EOF
}

var errStreamTooLong = errors.New("decompressed stream exceeds its budget")

// capReader fails once more than left bytes are read.
type capReader struct {
	r    io.Reader
	left int64
	read int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// Only an attempt to read beyond the budget with data still coming is an error.
		var one [1]byte
		if n, err := c.r.Read(one[:]); n == 0 {
			return 0, err
		}
		return 0, errStreamTooLong
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	c.read += int64(n)
	return n, err
}

// tailReader remembers the last 1024 bytes read, to tell an end-of-archive marker from a
// stream cut at a member boundary.
type tailReader struct {
	r    io.Reader
	last [2 * blockSize]byte
	n    int64
}

func (t *tailReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n >= len(t.last) {
		copy(t.last[:], p[n-len(t.last):n])
	} else if n > 0 {
		copy(t.last[:], t.last[n:])
		copy(t.last[len(t.last)-n:], p[:n])
	}
	t.n += int64(n)
	return n, err
}

func (t *tailReader) endMarker() bool {
	return t.n >= int64(len(t.last)) && bytes.Count(t.last[:], []byte{0}) == len(t.last)
}

type zeroCounter struct {
	n       int64
	nonZero bool
}

func (z *zeroCounter) Write(p []byte) (int, error) {
	z.n += int64(len(p))
	if bytes.Count(p, []byte{0}) != len(p) {
		z.nonZero = true
	}
	return len(p), nil
}
