// Package analyze turns verified evidence bundles into an analysis result: it resolves each
// component's effective configuration (defaults < config file < drop-ins < env < flags,
// every value with its source), evaluates the rules of the chosen benchmark on every node,
// file, object and the cluster, applies the profile and the waivers, rolls verdicts up per
// rule and attaches framework controls. docs/effective-config.md and docs/report-json.md
// describe the semantics; the CLI (cmd/kubeproof analyze) renders the result.
package analyze

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/internal/version"
	"github.com/kubeproof/kubeproof/rules"
)

// Profile marks rules NOT_APPLICABLE on a platform (*rules.Profile implements it).
type Profile interface {
	NotApplicable(ruleID string) (reason string, ok bool)
}

// Mapping attaches framework controls to rules and rolls results up per control
// (*mapping.Mapping implements it).
type Mapping interface {
	Controls(ruleID string) map[string][]string
	Rollup(results []result.RuleResult) map[string][]result.ControlRollup
	Info() result.MappingInfo
	Frameworks() []result.Framework
}

// Waivers applies waivers to a report (*waiver.Set implements it): it sets WAIVED on the
// matching targets, keeping the underlying status, and fills rep.Waivers.
type Waivers interface {
	Apply(rep *result.Report, today time.Time)
}

// Options says what to analyze and how.
type Options struct {
	Bundles            []string // bundle files: at most one cluster bundle and any node bundles
	Trusted            *bundle.TrustedKeys
	InsecureSkipVerify bool
	Limits             bundle.Limits
	Benchmark          string     // "" picks one from the cluster's server version
	Rules              *rules.Set // nil: the built-in rules
	Profile            Profile    // nil: no rule is excluded
	ProfileName        string
	ProfileTitle       string
	Waivers            Waivers
	Mapping            Mapping
	ReportTime         time.Time // zero: the newest bundle's creation time
	Workers            int       // 0: every CPU
}

// Benchmarks the analyzer knows, and how one is chosen from the server version.
const (
	BenchmarkCIS112  = "cis-1.12"  // CIS Kubernetes Benchmark v1.12.0: Kubernetes 1.32–1.34
	BenchmarkCIS201  = "cis-2.0.1" // CIS Kubernetes Benchmark v2.0.1: Kubernetes 1.34–1.35
	benchmarkCutover = "1.35"      // server versions from here on get cis-2.0.1
)

// ErrMixedClusters is returned when the bundles come from more than one cluster.
var ErrMixedClusters = errors.New("the bundles come from more than one cluster")

// Run analyzes the bundles and returns the report. Bundle problems are *BundleError.
func Run(o Options) (*result.Report, error) {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	set := o.Rules
	if set == nil {
		var err error
		if set, err = rules.Builtin(); err != nil {
			return nil, fmt.Errorf("loading the built-in rules: %w", err)
		}
	}
	bo := bundle.Options{Trusted: o.Trusted, Limits: o.Limits, InsecureSkipVerify: o.InsecureSkipVerify}
	a, err := load(o.Bundles, bo, o.Workers)
	if err != nil {
		return nil, err
	}
	bench, why, err := chooseBenchmark(o.Benchmark, a, set)
	if err != nil {
		return nil, err
	}
	a.resolve(distroOf(o.Profile))
	rep := a.header(o, bench, why, set)
	rs := set.Benchmark(bench)
	if rep.Results, err = a.evaluate(rs, o, bo); err != nil {
		return nil, err
	}
	rep.Warnings = append(rep.Warnings, a.warnings(rep)...)
	finish(rep, o)
	return rep, nil
}

// finish applies waivers, recounts, attaches controls and framework roll-ups.
func finish(rep *result.Report, o Options) {
	if o.Waivers != nil {
		today, _ := time.Parse(time.RFC3339, rep.GeneratedAt)
		o.Waivers.Apply(rep, today)
	}
	for i := range rep.Results {
		r := &rep.Results[i]
		if len(r.Targets) > 0 || r.TargetsOmitted > 0 {
			result.Recount(r)
		}
		r.Controls = map[string][]string{}
		if o.Mapping != nil {
			if c := o.Mapping.Controls(r.RuleID); c != nil {
				r.Controls = c
			}
		}
	}
	rep.Frameworks = map[string][]result.ControlRollup{}
	if o.Mapping != nil {
		rep.Frameworks = o.Mapping.Rollup(rep.Results)
		rep.FrameworkInfo = o.Mapping.Frameworks()
		rep.Mapping = o.Mapping.Info()
	}
	if rep.Waivers.Applied == nil {
		rep.Waivers.Applied = []result.WaiverUse{}
	}
	if rep.Waivers.Expired == nil {
		rep.Waivers.Expired = []result.WaiverRecord{}
	}
	if rep.Waivers.Unused == nil {
		rep.Waivers.Unused = []result.WaiverRecord{}
	}
	result.Summarize(rep)
}

// load opens and verifies every bundle (node bundles in parallel with the cluster bundle's
// first pass).
func load(paths []string, bo bundle.Options, workers int) (*assessment, error) {
	if len(paths) == 0 {
		return nil, errors.New("no bundle given")
	}
	type out struct {
		node    *nodeEv
		cluster *clusterEv
		err     error
	}
	outs := make([]out, len(paths))
	parallel(len(paths), workers, func(i int) {
		// a bundle's scope is only known after its manifest is read: try node, then cluster
		n, err := loadNode(paths[i], bo)
		if err == nil {
			outs[i] = out{node: n}
			return
		}
		if errors.Is(err, errNotNode) {
			c, err := loadCluster(paths[i], bo)
			outs[i] = out{cluster: c, err: err}
			return
		}
		outs[i] = out{err: err}
	})
	a := &assessment{budget: rules.NewBudget(), workers: workers}
	var clusters []*clusterEv
	seen := map[string]string{}
	for i, o := range outs {
		if o.err != nil {
			return nil, o.err
		}
		if o.cluster != nil {
			clusters = append(clusters, o.cluster)
			continue
		}
		if prev, dup := seen[o.node.name]; dup {
			return nil, fmt.Errorf("bundles %q and %q both cover node %q: give one bundle per node", prev, o.node.file, o.node.name)
		}
		seen[o.node.name] = paths[i]
		a.nodes = append(a.nodes, o.node)
	}
	sort.Slice(a.nodes, func(i, j int) bool { return a.nodes[i].name < a.nodes[j].name })
	switch {
	case len(clusters) == 1:
		a.cluster = clusters[0]
	case len(clusters) > 1:
		uids := map[string]bool{}
		for _, c := range clusters {
			uids[c.uid()] = true
		}
		if len(uids) > 1 {
			return nil, fmt.Errorf("%w (kube-system UIDs %s)", ErrMixedClusters, strings.Join(keys(uids), ", "))
		}
		return nil, fmt.Errorf("%d cluster bundles of the same cluster: give one", len(clusters))
	}
	return a, nil
}

func (c *clusterEv) uid() string {
	if c.info.KubeSystemUID != "" {
		return c.info.KubeSystemUID
	}
	if c.manifest.Cluster != nil {
		return c.manifest.Cluster.KubeSystemUID
	}
	return ""
}

func (c *clusterEv) serverVersion() string {
	if c.info.ServerVersion != "" {
		return c.info.ServerVersion
	}
	if c.manifest.Cluster != nil {
		return c.manifest.Cluster.ServerVersion
	}
	return ""
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, fmt.Sprintf("%q", k))
	}
	sort.Strings(out)
	return out
}

// parallel runs fn(0..n-1) on up to workers goroutines.
func parallel(n, workers int, fn func(i int)) {
	idx := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers && w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		idx <- i
	}
	close(idx)
	wg.Wait()
}

// chooseBenchmark returns the benchmark id and how it was chosen.
func chooseBenchmark(asked string, a *assessment, set *rules.Set) (string, string, error) {
	known := set.Benchmarks()
	if asked != "" {
		for _, b := range known {
			if b == asked {
				return asked, "--benchmark " + asked, nil
			}
		}
		return "", "", fmt.Errorf("unknown benchmark %q (the rules know: %s)", asked, strings.Join(known, ", "))
	}
	if a.cluster == nil || a.cluster.serverVersion() == "" {
		return BenchmarkCIS112, "default (no cluster bundle gives the server version)", nil
	}
	v := a.cluster.serverVersion()
	if c, ok := rules.CompareVersions(v, benchmarkCutover); ok && c >= 0 {
		return BenchmarkCIS201, "server version " + v + " (1.35 or later)", nil
	}
	return BenchmarkCIS112, "server version " + v + " (before 1.35)", nil
}

// resolve computes every node's effective component configurations.
func (a *assessment) resolve(d *distro) {
	tab, err := componentTable()
	if err != nil {
		panic(err) // embedded data; TestDefaultsData keeps it valid
	}
	for _, n := range a.nodes {
		n.resolveComponents(tab, a.kubeletVersion(n.name), d)
		a.kubeProxyFromAPI(n, tab[kubeProxyName], a.kubeletVersion(n.name))
	}
}

// kubeletVersion is the node's kubelet version from its Node object, else the server version.
func (a *assessment) kubeletVersion(node string) string {
	if a.cluster == nil {
		return ""
	}
	if v := a.cluster.agg.nodes[node]; v != "" {
		return v
	}
	return a.cluster.serverVersion()
}

// header fills everything but results.
func (a *assessment) header(o Options, bench, why string, set *rules.Set) *result.Report {
	rep := &result.Report{
		Schema: result.Schema, Benchmark: bench, BenchmarkReason: why,
		Tool:    result.Tool{Name: "kubeproof", Version: version.Version(), RulesetVersion: rulesetVersion(set.Benchmark(bench))},
		Profile: o.ProfileName, ProfileTitle: o.ProfileTitle, Verified: true,
		Nodes: []result.Node{}, Bundles: []result.Bundle{},
	}
	newest := ""
	add := func(l *loaded, node string) {
		b := result.Bundle{File: l.file, SHA256: l.sha256, Scope: l.manifest.Scope, Node: node, Signer: l.signer,
			Verified: l.verified, CollectedAt: l.manifest.CreatedAt, Members: len(l.manifest.Members),
			Collector: result.Collector{Name: l.manifest.Collector.Name, Version: l.manifest.Collector.Version, Revision: l.manifest.Collector.Revision}}
		for _, m := range l.manifest.Members {
			b.Bytes += m.Size
		}
		for _, g := range l.manifest.Gaps {
			b.Gaps = append(b.Gaps, result.Gap{Item: g.Item, Kind: g.Kind, Reason: g.Reason, HTTPStatus: g.HTTPStatus})
		}
		rep.Verified = rep.Verified && l.verified
		if l.manifest.CreatedAt > newest {
			newest = l.manifest.CreatedAt
		}
		rep.Bundles = append(rep.Bundles, b)
	}
	if c := a.cluster; c != nil {
		add(c.loaded, "")
		rep.Bundles[0].ClusterUID = c.uid()
		rep.Cluster = result.Cluster{KubeSystemUID: c.uid(), ServerVersion: c.serverVersion()}
		if c.manifest.Cluster != nil {
			rep.Cluster.Name = c.manifest.Cluster.Name
		}
		if rep.Cluster.Name == "" {
			rep.Cluster.Name = c.info.Context
		}
	}
	for _, n := range a.nodes {
		add(n.loaded, n.name)
	}
	rep.Nodes = a.nodeList()
	rep.GeneratedAt = newest
	if !o.ReportTime.IsZero() {
		rep.GeneratedAt = o.ReportTime.UTC().Format(time.RFC3339)
	}
	if !rep.Verified {
		rep.Warnings = append(rep.Warnings, "UNVERIFIED EVIDENCE: bundle signatures were not checked (--insecure-skip-verify); the findings rest on evidence of unknown origin")
	}
	rep.ReportID = reportID(rep)
	return rep
}

func (a *assessment) nodeList() []result.Node {
	byName := map[string]*result.Node{}
	for _, n := range a.nodes {
		rn := &result.Node{Name: n.name, Roles: n.nodeRoles(), Bundle: n.file}
		if n.host != nil {
			rn.Distribution = n.host.Distribution
		}
		byName[n.name] = rn
	}
	if a.cluster != nil {
		for name := range a.cluster.agg.nodes {
			if byName[name] == nil {
				byName[name] = &result.Node{Name: name}
			}
			byName[name].InCluster = true
		}
	}
	out := make([]result.Node, 0, len(byName))
	for _, n := range byName {
		out = append(out, *n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// reportID is derived from the inputs only: bundle hashes, benchmark, profile, rule set.
func reportID(rep *result.Report) string {
	h := sha256.New()
	for _, b := range rep.Bundles {
		fmt.Fprintf(h, "%s %s\n", b.File, b.SHA256)
	}
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n", rep.Benchmark, rep.Profile, rep.Tool.RulesetVersion, rep.GeneratedAt)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// rulesetVersion fingerprints the rules that were evaluated.
func rulesetVersion(rs []*rules.Rule) string {
	h := sha256.New()
	for _, r := range rs {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%v\x00%v\x00%v\n", r.ID, r.Scope, r.Component, r.Check, r.Message, r.Inputs, r.Files, r.Resources)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:12]
}
