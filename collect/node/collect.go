// Package node collects the evidence of one Kubernetes node: its component processes with
// their exact flags, static pod manifests, the files those components use (metadata and
// redacted, parsed content) and host facts. It reads /proc and a host root directory, never
// runs a command, and never puts a private key, token or password into its output.
//
// What it writes is described in docs/evidence.md; where it looks is the data file
// paths.yaml. Per-item failures become evidence.Gap values and collection carries on.
package node

import (
	"context"
	"fmt"
	"path"
	"sort"
	"time"

	"github.com/kubeproof/kubeproof/evidence"
)

// Sink receives the evidence members and gaps; *bundle.Writer satisfies it.
type Sink interface {
	AddJSON(path string, v any) error
	AddGap(g evidence.Gap)
}

// Options says where the node's files and processes are and what to call it.
type Options struct {
	// HostRoot is where the host's root file system is mounted ("/" when run on the host,
	// e.g. "/host" in a container). Every host path is resolved inside it.
	HostRoot string
	// ProcRoot is the host's /proc ("/proc"; "/host/proc" in a container with hostPID).
	ProcRoot string
	// NodeName overrides the node name (default: the host root's /etc/hostname, then uname).
	NodeName string
	// Now is the collection time (default time.Now); tests fix it.
	Now time.Time
	// PIDs, when non-nil, restricts the process scan to these process ids (tests and the
	// demo use it to look only at the processes they started).
	PIDs []int
	// MaxFileSize is the largest file whose content is read (default 4 MiB); larger files
	// get metadata and a gap.
	MaxFileSize int64
	// MaxDirEntries caps the names listed for one directory (default 10000).
	MaxDirEntries int
}

// Summary counts what Collect wrote.
type Summary struct {
	NodeName     string
	Distribution string
	Processes    int
	Files        int
	Gaps         int
}

func (o *Options) defaults() {
	if o.HostRoot == "" {
		o.HostRoot = "/"
	}
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = 4 << 20
	}
	if o.MaxDirEntries <= 0 {
		o.MaxDirEntries = 10000
	}
}

// collector holds one collection's state.
type collector struct {
	ctx   context.Context
	o     Options
	fs    hostFS
	cat   *catalog
	sink  Sink
	ids   *idNames
	gaps  int
	procs []evidence.Process
	// procBase is each process's base directory for relative paths (its working directory).
	procBase []string
	files    map[string]*fileReq
	queue    []*fileReq
	// followed remembers which (path, role) follow-ups already ran.
	followed map[string]bool
	distro   string
	seen     []seenProgram
}

// Collect gathers the node's evidence into sink: evidence.PathHost, evidence.PathProcesses
// and one evidence.FileMember per host path, plus gaps. It returns an error only when the
// sink fails or ctx is done; everything the host withholds becomes a gap.
func Collect(ctx context.Context, o Options, sink Sink) (*Summary, error) {
	o.defaults()
	cat, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	c := &collector{ctx: ctx, o: o, fs: hostFS{root: o.HostRoot}, cat: cat, sink: sink,
		files: map[string]*fileReq{}, followed: map[string]bool{}}
	c.ids = loadIDNames(c.fs)
	c.scanProcesses()
	var hint string
	c.distro, hint = c.guessDistribution()
	c.requestFromProcesses(0)
	c.requestWellKnown()
	if err := c.drain(); err != nil {
		return nil, err
	}
	host := c.hostFacts(hint)
	return c.write(host)
}

// gap records a gap with the sink.
func (c *collector) gap(item, kind, reason string) {
	c.gaps++
	c.sink.AddGap(evidence.Gap{Item: item, Kind: kind, Reason: reason})
}

// drain collects queued files until no new request appears (collected files can name more).
func (c *collector) drain() error {
	for len(c.queue) > 0 {
		if err := c.ctx.Err(); err != nil {
			return fmt.Errorf("collect node: %w", err)
		}
		r := c.queue[0]
		c.queue = c.queue[1:]
		c.collectFile(r)
		c.followUp(r)
	}
	return nil
}

// write emits every member in a fixed order: host, processes, files sorted by path.
func (c *collector) write(host evidence.Host) (*Summary, error) {
	if err := c.sink.AddJSON(evidence.PathHost, host); err != nil {
		return nil, fmt.Errorf("write %s: %w", evidence.PathHost, err)
	}
	procs := c.procs
	if procs == nil {
		procs = []evidence.Process{}
	}
	if err := c.sink.AddJSON(evidence.PathProcesses, procs); err != nil {
		return nil, fmt.Errorf("write %s: %w", evidence.PathProcesses, err)
	}
	paths := make([]string, 0, len(c.files))
	for p := range c.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		f := c.files[p].evidence()
		if err := c.sink.AddJSON(evidence.FileMember(p), f); err != nil {
			return nil, fmt.Errorf("write %s: %w", evidence.FileMember(p), err)
		}
	}
	return &Summary{NodeName: host.NodeName, Distribution: host.Distribution,
		Processes: len(procs), Files: len(paths), Gaps: c.gaps}, nil
}

// hostPath cleans a path named by a flag or config: relative paths are joined to base
// (a process's working directory or a config file's directory).
func hostPath(p, base string) string {
	if !path.IsAbs(p) {
		if base == "" {
			base = "/"
		}
		p = path.Join(base, p)
	}
	return path.Clean(p)
}
