package node

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"

	"github.com/kubeproof/kubeproof/evidence"
)

// fileReq is one host path to collect, with every reason (role) it was asked for.
type fileReq struct {
	path  string
	kind  string
	roles map[string]bool
	depth int // pki-dir nesting
	// readKind is the kind the file was collected as; "" until collected.
	readKind string
	file     *evidence.File
	// parsed is the file's parsed content, for follow-ups (config fields, manifests).
	parsed any
	// envFiles are the EnvironmentFile= paths of a unit.
	envFiles []string
}

func (r *fileReq) evidence() *evidence.File {
	f := r.file
	f.Roles = make([]string, 0, len(r.roles))
	for role := range r.roles {
		f.Roles = append(f.Roles, role)
	}
	sort.Strings(f.Roles)
	return f
}

// request asks for the host path p as kind with the given roles. A path asked for twice
// keeps every role and the stronger kind; a file already read whose new kind says it is a
// key or a secret is collected again, without its content.
func (c *collector) request(p, kind string, depth int, roles ...string) *fileReq {
	p = path.Clean(p)
	if strings.HasSuffix(p, ".key") && kindRank[kind] < kindRank[kindKey] && kind != kindDir && kind != kindLog {
		kind = kindKey // a *.key file is a private key whatever named it: never read
	}
	r, ok := c.files[p]
	if !ok {
		r = &fileReq{path: p, kind: kind, roles: map[string]bool{}, depth: depth}
		c.files[p] = r
		c.queue = append(c.queue, r)
	}
	added := false
	for _, role := range roles {
		if !r.roles[role] {
			r.roles[role], added = true, true
		}
	}
	if added && r.readKind != "" {
		c.queue = append(c.queue, r) // collected already: run the new roles' follow-ups
	}
	if kindRank[kind] > kindRank[r.kind] {
		r.kind = kind
		if r.readKind != "" && (kind == kindKey || kind == kindSecret) {
			r.readKind, r.file, r.parsed = "", nil, nil
			c.queue = append(c.queue, r)
		}
	}
	return r
}

// collectFile fills r.file from the host.
func (c *collector) collectFile(r *fileReq) {
	if r.readKind != "" {
		return
	}
	r.readKind = r.kind
	f := &evidence.File{Path: r.path}
	r.file = f
	real, fi, ok := c.statFile(r.path, f)
	if !ok {
		return
	}
	switch {
	case fi.IsDir():
		f.Type = evidence.TypeDir
		c.collectDir(r, real)
	case fi.Mode().IsRegular():
		f.Type = evidence.TypeFile
		c.collectRegular(r, real)
	default:
		f.Type = evidence.TypeOther
	}
}

// statFile resolves p inside the host root and fills the metadata of f. ok is false when
// there is nothing more to read (absent, dangling link, or an error already recorded).
func (c *collector) statFile(p string, f *evidence.File) (string, fs.FileInfo, bool) {
	if lfi, err := os.Lstat(c.fs.real(p)); err == nil && lfi.Mode()&fs.ModeSymlink != 0 {
		f.LinkTarget, _ = os.Readlink(c.fs.real(p))
	}
	rp, err := c.fs.resolve(p)
	if err == nil {
		var fi fs.FileInfo
		if fi, err = os.Stat(c.fs.real(rp)); err == nil {
			c.fillMeta(f, fi)
			return c.fs.real(rp), fi, true
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist) && f.LinkTarget != "":
		f.Exists, f.Type = true, evidence.TypeSymlink
	case errors.Is(err, fs.ErrNotExist):
	default:
		c.fileError(f, err)
	}
	return "", nil, false
}

func (c *collector) fillMeta(f *evidence.File, fi fs.FileInfo) {
	f.Exists = true
	f.Mode = uint32(fi.Mode().Perm())
	f.Size = fi.Size()
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		f.UID, f.GID = int(st.Uid), int(st.Gid)
		f.Owner, f.Group = c.ids.user(f.UID), c.ids.group(f.GID)
	}
	if fi.IsDir() {
		f.Size = 0
	}
}

// fileError records an error reading f as a gap and on the file itself.
func (c *collector) fileError(f *evidence.File, err error) {
	kind := evidence.GapUnreadable
	if errors.Is(err, fs.ErrPermission) {
		kind = evidence.GapPermissionDenied
	}
	f.Error = err.Error()
	c.gap(f.Path, kind, stripRoot(err.Error(), c.o.HostRoot))
}

// stripRoot removes the collector-side host root from an error message so that gaps name
// host paths.
func stripRoot(msg, root string) string {
	if root == "" || root == "/" {
		return msg
	}
	return strings.ReplaceAll(msg, strings.TrimSuffix(root, "/"), "")
}

// collectRegular reads (or deliberately does not read) a regular file's content.
func (c *collector) collectRegular(r *fileReq, real string) {
	f := r.file
	switch r.kind {
	case kindKey:
		f.Redactions = []evidence.Redaction{{Field: "content", Reason: reasonKeyFile}}
		return
	case kindSecret:
		f.Redactions = []evidence.Redaction{{Field: "content", Reason: reasonSecretFile}}
		return
	case kindLog, kindDir, kindDataDir, kindPKIDir, kindCNIDir, kindManifestDir, kindDropinDir:
		return
	}
	data, sum, err := c.readHashed(real, f.Size)
	if err != nil {
		c.fileError(f, err)
		return
	}
	if data == nil {
		f.SHA256 = sum
		c.gap(f.Path, evidence.GapTooLarge, fmt.Sprintf("%d bytes, over the %d-byte content limit: metadata and sha256 only", f.Size, c.o.MaxFileSize))
		return
	}
	c.parseInto(r, data)
	if len(f.Redactions) == 0 && f.Error == "" {
		f.SHA256 = sum
	}
}

// readHashed reads a file, hashing all of it; data is nil when it is over the size limit.
func (c *collector) readHashed(real string, size int64) ([]byte, string, error) {
	fh, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, "", err
	}
	defer fh.Close()
	h := sha256.New()
	if size > c.o.MaxFileSize {
		if _, err := io.Copy(h, fh); err != nil {
			return nil, "", err
		}
		return nil, hex.EncodeToString(h.Sum(nil)), nil
	}
	data, err := io.ReadAll(io.LimitReader(io.TeeReader(fh, h), c.o.MaxFileSize+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(data)) > c.o.MaxFileSize {
		_, _ = io.Copy(h, fh)
		return nil, hex.EncodeToString(h.Sum(nil)), nil
	}
	return data, hex.EncodeToString(h.Sum(nil)), nil
}

// parseInto parses data by the request's kind and stores the redacted content.
func (c *collector) parseInto(r *fileReq, data []byte) {
	f := r.file
	var red *redactor
	switch {
	case r.kind == kindCert || (hasPrivateKey(string(data)) && r.kind != kindConfig):
		red = &redactor{}
		blocks, ok := parsePEM(data, red)
		if hasPrivateKey(string(data)) && len(red.out) == 0 {
			// a key block pem.Decode could not read: still private key material
			red.add("content", reasonPrivateKey)
		}
		if !ok {
			f.Redactions = red.out
			c.parseError(f, fmt.Errorf("no PEM block found"))
			return
		}
		f.Format, f.Content = formatPEM, blocks
	case r.kind == kindUnit:
		var content map[string]any
		content, r.envFiles, red = parseUnit(data)
		f.Format, f.Content = formatSystemdUnit, content
	case r.kind == kindEnvFile:
		var vars []envVar
		vars, red = parseEnvFile(data)
		f.Format, f.Content = formatEnvFile, vars
	case r.kind == kindArgsFile:
		toks := parseArgsFile(data)
		out, reds := redactArgv(toks, "")
		red = &redactor{out: reds}
		f.Format, f.Content, r.parsed = formatArgsFile, out, toks
	default:
		format, content, rd, err := parseConfig(data)
		if err != nil {
			if hasPrivateKey(string(data)) {
				f.Redactions = []evidence.Redaction{{Field: "content", Reason: reasonPrivateKey}}
			}
			c.parseError(f, err)
			return
		}
		f.Format, f.Content, r.parsed, red = format, content, content, rd
	}
	if red != nil {
		f.Redactions = append(f.Redactions, red.out...)
	}
	sort.SliceStable(f.Redactions, func(i, j int) bool { return f.Redactions[i].Field < f.Redactions[j].Field })
}

func (c *collector) parseError(f *evidence.File, err error) {
	f.Error = "parse: " + err.Error()
	c.gap(f.Path, evidence.GapParse, err.Error())
}

// collectDir lists a directory and asks for its children as the directory's kind says.
func (c *collector) collectDir(r *fileReq, real string) {
	f := r.file
	ents, err := os.ReadDir(real)
	if err != nil {
		c.fileError(f, err)
		return
	}
	if len(ents) > c.o.MaxDirEntries {
		c.gap(f.Path, evidence.GapTooLarge, fmt.Sprintf("%d entries, only the first %d listed", len(ents), c.o.MaxDirEntries))
		ents = ents[:c.o.MaxDirEntries]
	}
	f.Entries = make([]string, 0, len(ents))
	for _, e := range ents {
		f.Entries = append(f.Entries, e.Name())
	}
	for _, e := range ents {
		c.requestChild(r, e)
	}
}

// requestChild asks for one entry of a collected directory, per the directory's kind.
func (c *collector) requestChild(dir *fileReq, e fs.DirEntry) {
	p := path.Join(dir.path, e.Name())
	isDir := e.IsDir()
	name := e.Name()
	switch dir.kind {
	case kindPKIDir:
		switch {
		case isDir && dir.depth < 1:
			c.request(p, kindPKIDir, dir.depth+1, "pki.dir")
		case isDir:
		case strings.HasSuffix(name, ".key"):
			c.request(p, kindKey, 0, "pki.key")
		case hasAnySuffix(name, ".crt", ".pem", ".cer", ".pub"):
			c.request(p, kindCert, 0, "pki.cert")
		default:
			c.request(p, kindLog, 0, "pki.file")
		}
	case kindCNIDir:
		if !isDir {
			c.request(p, kindConfig, 0, "cni.config")
		}
	case kindDropinDir:
		if !isDir && strings.HasSuffix(name, ".conf") {
			c.request(p, kindConfig, 0, "kubelet.dropin")
		}
	case kindManifestDir:
		if !isDir && hasAnySuffix(name, ".yaml", ".yml", ".json", ".manifest") {
			c.request(p, kindConfig, 0, "static-pod.manifest")
		}
	}
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
