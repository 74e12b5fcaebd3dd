// Package gen builds signed evidence bundles from specs, deterministically (fixed keys,
// fixed times), for the analyzer's tests, golden files and the scale benchmark
// (genbundles). It writes through the real bundle writer.
package gen

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/evidence"
	"golang.org/x/crypto/ssh"
)

// Key returns a deterministic Ed25519 signer derived from seed (test keys only).
func Key(seed byte) ssh.Signer {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	signer, err := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(s))
	if err != nil {
		panic(err)
	}
	return signer
}

// WriteKey writes s's public key in authorized_keys form to path.
func WriteKey(path string, s ssh.Signer) error {
	return os.WriteFile(path, bundle.AuthorizedKey(s.PublicKey(), "kubeproof-test"), 0o644)
}

// Trusted returns s's public key as trusted keys.
func Trusted(s ssh.Signer) *bundle.TrustedKeys {
	t, err := bundle.ParseTrustedKeys("test key", bundle.AuthorizedKey(s.PublicKey(), "kubeproof-test"))
	if err != nil {
		panic(err)
	}
	return t
}

// Collector is the collector identity written into generated bundles.
var Collector = bundle.Collector{Name: "kubeproof-gen", Version: "v0.0.0-test", Revision: "0000000"}

// Created is the default creation time of generated bundles.
var Created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Node is a node bundle to generate.
type Node struct {
	Name    string
	Created time.Time // zero: Created
	Host    *evidence.Host
	Procs   []evidence.Process
	NoProcs bool // leave node/processes.json out
	Files   []evidence.File
	Gaps    []evidence.Gap
}

// Proc builds a component process from argv (argv[0] is the binary), parsing --flag=value
// and bare --flag arguments as the collector does.
func Proc(component, source string, argv ...string) evidence.Process {
	p := evidence.Process{Component: component, Source: source, Argv: argv, Flags: []evidence.Flag{}}
	for _, a := range argv[1:] {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, val, has := strings.Cut(strings.TrimLeft(a, "-"), "=")
		p.Flags = append(p.Flags, evidence.Flag{Name: name, Value: val, HasValue: has})
	}
	if source == evidence.SourceProc {
		p.PID = 100 + len(component)
	}
	return p
}

// File builds a regular file's evidence with content, mode and roles, owned by root.
func File(path string, mode uint32, content any, roles ...string) evidence.File {
	f := evidence.File{Path: path, Roles: roles, Exists: true, Type: evidence.TypeFile, Mode: mode,
		Owner: "root", Group: "root", Size: 100, Content: content}
	if content != nil {
		f.Format = "yaml"
		f.SHA256 = strings.Repeat("ab", 32)
	}
	return f
}

// Dir builds a directory's evidence.
func Dir(path string, mode uint32, entries []string, roles ...string) evidence.File {
	return evidence.File{Path: path, Roles: roles, Exists: true, Type: evidence.TypeDir, Mode: mode,
		Owner: "root", Group: "root", Entries: entries}
}

func (n *Node) header() bundle.Header {
	t := n.Created
	if t.IsZero() {
		t = Created
	}
	return bundle.Header{Collector: Collector, CreatedAt: t, Scope: bundle.ScopeNode, Node: n.Name}
}

// Write writes the node bundle to out, signed by s.
func (n *Node) Write(out io.Writer, s ssh.Signer) error {
	w, err := bundle.NewWriter(n.header())
	if err != nil {
		return err
	}
	defer w.Abort()
	host := n.Host
	if host == nil {
		host = &evidence.Host{NodeName: n.Name, Hostname: n.Name, Kernel: "6.1.0", CollectedAt: n.header().CreatedAt.Format(time.RFC3339), Distribution: "kubeadm"}
	}
	if err := w.AddJSON(evidence.PathHost, host); err != nil {
		return err
	}
	if !n.NoProcs {
		procs := n.Procs
		if procs == nil {
			procs = []evidence.Process{}
		}
		if err := w.AddJSON(evidence.PathProcesses, procs); err != nil {
			return err
		}
	}
	for _, f := range n.Files {
		if err := w.AddJSON(evidence.FileMember(f.Path), f); err != nil {
			return err
		}
	}
	for _, g := range n.Gaps {
		w.AddGap(g)
	}
	_, err = w.Finish(out, s)
	return err
}

// Resource is one API resource of a cluster bundle: its objects, given as a list or made
// on the fly (Count, Make) so that a huge resource is never held in memory.
type Resource struct {
	Group, Version, Resource, Kind string
	Namespaced                     bool
	Objects                        []any
	Count                          int
	Make                           func(i int) any
	PageSize                       int  // objects per page member; 0 = 500
	Incomplete                     bool // record a gap and mark the resource incomplete
	NotServed                      bool
}

// Cluster is a cluster bundle to generate.
type Cluster struct {
	Name, UID, ServerVersion string
	Created                  time.Time
	Resources                []Resource
	Gaps                     []evidence.Gap
}

// Write writes the cluster bundle to out, signed by s.
func (c *Cluster) Write(out io.Writer, s ssh.Signer) error {
	t := c.Created
	if t.IsZero() {
		t = Created
	}
	w, err := bundle.NewWriter(bundle.Header{Collector: Collector, CreatedAt: t, Scope: bundle.ScopeCluster,
		Cluster: &bundle.Cluster{Name: c.Name, KubeSystemUID: c.UID, ServerVersion: c.ServerVersion}})
	if err != nil {
		return err
	}
	defer w.Abort()
	info := evidence.ClusterInfo{KubeSystemUID: c.UID, ServerVersion: c.ServerVersion, Context: c.Name, CollectedAt: t.Format(time.RFC3339)}
	if err := w.AddJSON(evidence.PathClusterInfo, info); err != nil {
		return err
	}
	var inv []evidence.Resource
	for _, r := range c.Resources {
		er, err := writeResource(w, r)
		if err != nil {
			return err
		}
		inv = append(inv, er)
	}
	if err := w.AddJSON(evidence.PathResources, inv); err != nil {
		return err
	}
	for _, g := range c.Gaps {
		w.AddGap(g)
	}
	_, err = w.Finish(out, s)
	return err
}

func writeResource(w *bundle.Writer, r Resource) (evidence.Resource, error) {
	er := evidence.Resource{Group: r.Group, Version: r.Version, Resource: r.Resource, Kind: r.Kind,
		Namespaced: r.Namespaced, Served: !r.NotServed, Complete: !r.Incomplete && !r.NotServed}
	n, get := r.Count, r.Make
	if r.Objects != nil {
		n, get = len(r.Objects), func(i int) any { return r.Objects[i] }
	}
	size := r.PageSize
	if size <= 0 {
		size = 500
	}
	group := r.Group
	if group == "" {
		group = "core"
	}
	for start, page := 0, 1; start < n && !r.NotServed; start, page = start+size, page+1 {
		member := fmt.Sprintf("%s%s/%s/%s/%05d.jsonl", evidence.PrefixObjects, group, r.Version, r.Resource, page)
		mw, err := w.Create(member)
		if err != nil {
			return er, err
		}
		enc := json.NewEncoder(mw)
		for i := start; i < n && i < start+size; i++ {
			if err := enc.Encode(get(i)); err != nil {
				mw.Close()
				return er, err
			}
			er.Count++
		}
		if err := mw.Close(); err != nil {
			return er, err
		}
		er.Members = append(er.Members, member)
	}
	if r.Incomplete {
		gv := r.Version
		if r.Group != "" {
			gv = r.Group + "/" + r.Version
		}
		w.AddGap(evidence.Gap{Item: gv + "/" + r.Resource, Kind: evidence.GapForbidden, Reason: "list is forbidden", HTTPStatus: 403})
	}
	return er, nil
}

// WriteFile writes a bundle made by write to path.
func WriteFile(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
