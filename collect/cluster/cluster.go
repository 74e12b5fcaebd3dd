// Package cluster snapshots, read-only, the Kubernetes API objects that the CIS Kubernetes
// Benchmark's cluster-level recommendations need into evidence members of a cluster bundle.
//
// It lists every target resource the cluster serves (found by discovery) in chunks, strips
// managedFields and the kubectl last-applied-configuration annotation from every object,
// replaces the literal values of container environment variables in pod specs and pod
// templates by RedactedValue (keeping names and valueFrom), requests Secrets as metadata only (PartialObjectMetadataList, so Secret data is never
// sent), and streams one member per LIST page into a Sink. Everything that cannot be
// collected becomes an evidence.Gap and the run carries on. The package never prints.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kubeproof/kubeproof/evidence"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
)

// Sink receives the evidence members and gaps; *bundle.Writer satisfies it.
type Sink interface {
	// Create opens one member for streaming; it is closed before the next one is created.
	Create(path string) (io.WriteCloser, error)
	// AddJSON writes v as one deterministic JSON member.
	AddJSON(path string, v any) error
	// AddGap records something that could not be collected.
	AddGap(g evidence.Gap)
}

// Progress is told about listing as it happens; the CLI draws it on a terminal.
type Progress interface {
	// Page is called after each LIST page with the running object count of item.
	Page(item string, count int)
	// Done is called once per target resource with its final inventory entry.
	Done(r evidence.Resource)
}

// Options configure a Collector. Only Config is required.
type Options struct {
	// Config reaches the API server (from clientcmd or in-cluster config).
	Config *rest.Config
	// Context is the kubeconfig context name, recorded in cluster/info.json.
	Context string
	// PageSize is the LIST chunk size (limit); 0 means 500.
	PageSize int64
	// ResourceTimeout bounds the listing of one resource, retries included; 0 means 5 minutes.
	ResourceTimeout time.Duration
	// RequestTimeout bounds one HTTP request; 0 means 60 seconds.
	RequestTimeout time.Duration
	// Retries is how often a failed page (429, 5xx, timeout) is retried; 0 means 5, <0 none.
	Retries int
	// Backoff is the first retry delay, doubled each time up to 8×; 0 means 500 ms.
	Backoff time.Duration
	// Progress, if set, is told about each page and resource.
	Progress Progress
	// Now is the clock (for reproducible tests); nil means time.Now.
	Now func() time.Time
}

// Result summarises a run: the inventory, the gaps and the number of objects collected.
type Result struct {
	Info      evidence.ClusterInfo
	Resources []evidence.Resource
	Gaps      []evidence.Gap
	Objects   int
}

// Collector lists one cluster. Make it with New, call Identify, then Collect.
type Collector struct {
	o    Options
	disc *discovery.DiscoveryClient
	meta metadata.Interface
	rest rest.Interface
	res  Result
}

// New checks the options and builds the API clients; it does not contact the server.
func New(o Options) (*Collector, error) {
	if o.Config == nil {
		return nil, fmt.Errorf("cluster collector: no API server configuration")
	}
	o = withDefaults(o)
	cfg := rest.CopyConfig(o.Config)
	cfg.Timeout = o.RequestTimeout
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	cfg.UserAgent = "kubeproof-collect"
	cfg.WarningHandler = rest.NoWarnings{} // library code never prints (deprecation warnings)
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster collector: discovery client: %w", err)
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster collector: metadata client: %w", err)
	}
	return &Collector{o: o, disc: disc, meta: meta, rest: disc.RESTClient()}, nil
}

func withDefaults(o Options) Options {
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.ResourceTimeout <= 0 {
		o.ResourceTimeout = 5 * time.Minute
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 60 * time.Second
	}
	if o.Retries == 0 {
		o.Retries = 5
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = 500 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = nopProgress{}
	}
	return o
}

type nopProgress struct{}

func (nopProgress) Page(string, int)       {}
func (nopProgress) Done(evidence.Resource) {}

// Collect discovers and lists every target resource into s, then writes cluster/info.json
// and cluster/resources.json. Per-resource failures are gaps (in s and in the Result); the
// error is non-nil only when the sink fails or ctx is cancelled. Call Identify first, and
// Collect once.
func (c *Collector) Collect(ctx context.Context, s Sink) (*Result, error) {
	for _, g := range c.res.Gaps { // from Identify, before the sink existed
		s.AddGap(g)
	}
	c.res.Resources = []evidence.Resource{}
	ts := c.discover(ctx, s)
	for _, t := range ts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("cluster collector: %w", err)
		}
		r, err := c.collectTarget(ctx, s, t)
		if err != nil {
			return nil, err
		}
		c.res.Resources = append(c.res.Resources, r)
		c.res.Objects += r.Count
		c.o.Progress.Done(r)
	}
	if err := s.AddJSON(evidence.PathClusterInfo, c.res.Info); err != nil {
		return nil, fmt.Errorf("cluster collector: write %s: %w", evidence.PathClusterInfo, err)
	}
	if err := s.AddJSON(evidence.PathResources, c.res.Resources); err != nil {
		return nil, fmt.Errorf("cluster collector: write %s: %w", evidence.PathResources, err)
	}
	res := c.res
	return &res, nil
}

// gap records g in the sink and the result.
func (c *Collector) gap(s Sink, g evidence.Gap) {
	s.AddGap(g)
	c.res.Gaps = append(c.res.Gaps, g)
}

// collectTarget lists one resolved target; only sink errors and cancellation are returned.
func (c *Collector) collectTarget(ctx context.Context, s Sink, t target) (evidence.Resource, error) {
	r := t.inventory()
	if !r.Served {
		return r, nil
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.o.ResourceTimeout)
	defer cancel()
	var err error
	switch t.mode {
	case modeMetaNamed:
		err = c.getAndList(ctx, s, t, &r)
	case modeMeta, modeNames:
		err = c.listMeta(ctx, s, t, &r, map[string]bool{})
	default:
		err = c.listRaw(ctx, s, t, &r)
	}
	if err != nil {
		var se sinkError
		if errors.As(err, &se) || parent.Err() != nil {
			return r, fmt.Errorf("cluster collector: %s: %w", t.item(), err)
		}
		c.gap(s, gapFor(t.item(), err))
	}
	return r, nil
}

// sinkError marks failures of the Sink, which end the run.
type sinkError struct{ err error }

func (e sinkError) Error() string { return e.err.Error() }
func (e sinkError) Unwrap() error { return e.err }

// Gaps returns the gaps recorded so far (after Identify: why the identity is incomplete).
func (c *Collector) Gaps() []evidence.Gap { return append([]evidence.Gap(nil), c.res.Gaps...) }
