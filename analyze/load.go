package analyze

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/result"
)

// BundleError is a problem with one input bundle. Verify is true when the bundle failed
// verification (signature, hash, size, structure): the CLI exits 3 for those.
type BundleError struct {
	File     string
	Verify   bool
	Problems []string
	Err      error
}

func (e *BundleError) Error() string {
	if len(e.Problems) > 0 {
		return fmt.Sprintf("bundle %q does not verify: %s", e.File, strings.Join(e.Problems, "; "))
	}
	return fmt.Sprintf("bundle %q: %v", e.File, e.Err)
}

func (e *BundleError) Unwrap() error { return e.Err }

// loaded is what every bundle has: its identity, manifest and gaps.
type loaded struct {
	path     string // as given
	file     string // base name
	sha256   string // of the whole file
	manifest *bundle.Manifest
	signer   string
	verified bool
	members  map[string]bundle.Member
	gaps     map[string]evidence.Gap
}

func (l *loaded) ref(member string) result.EvidenceRef {
	m := l.members[member]
	return result.EvidenceRef{Bundle: l.file, Member: member, SHA256: m.SHA256, Size: m.Size}
}

func (l *loaded) gap(item string) (evidence.Gap, bool) { g, ok := l.gaps[item]; return g, ok }

// hashingFile opens path and hashes every byte read through it.
type hashingFile struct {
	f *os.File
	h hash.Hash
	r io.Reader
}

func openHashing(path string) (*hashingFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	return &hashingFile{f: f, h: h, r: io.TeeReader(f, h)}, nil
}

// finish reads the rest of the file (so the hash covers it all) and returns the hash.
func (hf *hashingFile) finish() (string, error) {
	defer hf.f.Close()
	if _, err := io.Copy(io.Discard, hf.r); err != nil {
		return "", err
	}
	return hex.EncodeToString(hf.h.Sum(nil)), nil
}

// walk opens a bundle, verifies it and calls fn for every member in order with the
// member's content (fn must read it to the end, or leave it: walk drains it). Any
// verification problem fails the walk with a *BundleError listing every problem.
func walk(path string, o bundle.Options, fn func(l *loaded, m bundle.Member, r io.Reader) error, hashFile bool) (*loaded, error) {
	l := &loaded{path: path, file: filepath.Base(path)}
	hf, err := openHashing(path)
	if err != nil {
		return nil, &BundleError{File: l.file, Err: err}
	}
	defer hf.f.Close()
	rd, err := bundle.Open(hf.r, o)
	if err != nil {
		return nil, verifyFailure(l.file, err)
	}
	defer rd.Close()
	l.manifest, l.signer, l.verified = rd.Manifest(), rd.Signer(), rd.Verified()
	l.members = make(map[string]bundle.Member, len(l.manifest.Members))
	for _, m := range l.manifest.Members {
		l.members[m.Path] = m
	}
	l.gaps = map[string]evidence.Gap{}
	for _, g := range l.manifest.Gaps {
		l.gaps[g.Item] = g
	}
	var problems []string
	for {
		m, r, err := rd.Next()
		if err == io.EOF {
			break
		}
		var ve *bundle.VerifyError
		if errors.As(err, &ve) {
			problems = append(problems, ve.Error())
			if len(problems) > 20 {
				break
			}
			continue
		}
		if err != nil {
			return nil, &BundleError{File: l.file, Err: err}
		}
		if len(problems) == 0 {
			if ferr := fn(l, m, r); ferr != nil {
				if errors.As(ferr, &ve) {
					problems = append(problems, ve.Error())
					continue
				}
				return nil, &BundleError{File: l.file, Err: fmt.Errorf("member %q: %w", m.Path, ferr)}
			}
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			if errors.As(err, &ve) {
				problems = append(problems, ve.Error())
				continue
			}
			return nil, &BundleError{File: l.file, Err: err}
		}
	}
	if len(problems) > 0 {
		return nil, &BundleError{File: l.file, Verify: true, Problems: problems}
	}
	if hashFile {
		if l.sha256, err = hf.finish(); err != nil {
			return nil, &BundleError{File: l.file, Err: err}
		}
	}
	return l, nil
}

func verifyFailure(file string, err error) error {
	var ve *bundle.VerifyError
	if errors.As(err, &ve) {
		return &BundleError{File: file, Verify: true, Problems: []string{ve.Error()}, Err: err}
	}
	return &BundleError{File: file, Err: err}
}

// errNotNode says a bundle given as a node bundle has another scope.
var errNotNode = errors.New("not a node bundle")

// nodeEv is the evidence of one node bundle.
type nodeEv struct {
	*loaded
	name       string
	host       *evidence.Host
	procs      []evidence.Process
	hasProcs   bool
	files      map[string]*evidence.File
	fileMember map[string]string
	roles      map[string][]string // role → host paths, sorted
	comps      map[string]*Component
	manifests  map[string]string // component → static pod manifest path named by its process evidence
	// kubeProxyNote says why the cluster's kube-proxy DaemonSet does not apply to the node.
	kubeProxyNote string
}

func (n *nodeEv) lookup(p string) (*evidence.File, string, bool) {
	f, ok := n.files[p]
	return f, n.fileMember[p], ok
}

// loadNode reads a node bundle completely (node bundles are small).
func loadNode(path string, o bundle.Options) (*nodeEv, error) {
	n := &nodeEv{files: map[string]*evidence.File{}, fileMember: map[string]string{}, roles: map[string][]string{}}
	lim := o.Limits
	l, err := walk(path, o, func(l *loaded, m bundle.Member, r io.Reader) error {
		if l.manifest.Scope != bundle.ScopeNode {
			return errNotNode // stop at once: the caller reads it as a cluster bundle
		}
		switch {
		case m.Path == evidence.PathHost:
			n.host = &evidence.Host{}
			return bundle.DecodeJSON(r, n.host, lim)
		case m.Path == evidence.PathProcesses:
			n.hasProcs = true
			return bundle.DecodeJSON(r, &n.procs, lim)
		case strings.HasPrefix(m.Path, evidence.PrefixFiles):
			var f evidence.File
			if err := bundle.DecodeJSON(r, &f, lim); err != nil {
				return err
			}
			f.Content = normalizeJSON(f.Content)
			n.files[f.Path] = &f
			n.fileMember[f.Path] = m.Path
			for _, role := range f.Roles {
				n.roles[role] = append(n.roles[role], f.Path)
			}
		}
		return nil
	}, true)
	if err != nil {
		return nil, err
	}
	if l.manifest.Scope != bundle.ScopeNode {
		return nil, &BundleError{File: l.file, Err: errNotNode}
	}
	n.loaded = l
	n.name = l.manifest.Node
	if n.name == "" && n.host != nil {
		n.name = n.host.NodeName
	}
	for _, ps := range n.roles {
		sort.Strings(ps)
	}
	return n, nil
}

// resolveComponents computes every component's effective configuration on the node. A
// running process is preferred over a static-manifest command for the same component.
func (n *nodeEv) resolveComponents(tab map[string]*componentData, version string, d *distro) {
	n.comps = map[string]*Component{}
	n.manifests = map[string]string{}
	best := map[string]*evidence.Process{}
	for i := range n.procs {
		p := &n.procs[i]
		if p.Source == evidence.SourceStaticManifest && p.Manifest != "" {
			n.manifests[p.Component] = p.Manifest
		}
		if tab[p.Component] == nil {
			continue
		}
		if cur := best[p.Component]; cur == nil || rank(p) < rank(cur) {
			best[p.Component] = p
		}
	}
	for c, p := range best {
		name := ""
		if d != nil {
			name = d.binary
		}
		n.comps[c] = resolve(tab[c], p, evidence.PathProcesses, version, n, d.forProcess(n, p), name)
	}
}

func rank(p *evidence.Process) int {
	switch p.Source {
	case evidence.SourceProc:
		return 0
	case evidence.SourceSystemdUnit:
		return 1
	}
	return 2
}

// roles says what the node does, from the components found on it.
func (n *nodeEv) nodeRoles() []string {
	var out []string
	if n.comps["kube-apiserver"] != nil || n.comps["kube-controller-manager"] != nil || n.comps["kube-scheduler"] != nil {
		out = append(out, "control-plane")
	}
	if n.comps["etcd"] != nil {
		out = append(out, "etcd")
	}
	if n.comps["kubelet"] != nil && len(out) == 0 {
		out = append(out, "worker")
	}
	return out
}

// normalizeJSON converts decoded JSON numbers to int64 where integral (rules.Normalize).
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeJSON(e)
		}
	case float64:
		if x == float64(int64(x)) && x >= -1<<53 && x <= 1<<53 {
			return int64(x)
		}
	}
	return v
}

// splitLines yields the non-empty lines of a JSON-lines page.
func splitLines(page []byte, fn func(line []byte) error) error {
	for len(page) > 0 {
		i := bytes.IndexByte(page, '\n')
		var line []byte
		if i < 0 {
			line, page = page, nil
		} else {
			line, page = page[:i], page[i+1:]
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := fn(line); err != nil {
			return err
		}
	}
	return nil
}
