package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/collect/cluster"
	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/cli"
)

func init() {
	commands.Register(cli.Command{Name: "cluster", Summary: "snapshot a cluster's API objects (read-only) into a signed bundle", Run: runCluster})
}

const clusterExample = `Example:
  kubeproof-collect cluster --context prod-eu --key collector.key -o prod-eu.tar.zst

The kubeconfig is found as kubectl finds it (--kubeconfig, $KUBECONFIG, ~/.kube/config),
with exec credential plugins, tokens and client certificates; inside a pod with no
kubeconfig the pod's ServiceAccount is used (see deploy/ and docs/deploy-cluster.md).
Only get/list requests are made; Secrets are read as metadata only.
`

type clusterFlags struct {
	kubeconfig, context, clusterName string
	quiet                            bool
	pageSize                         int64
	resourceTimeout                  time.Duration
	out                              *bundleFlags
}

func runCluster(e *cli.Env) int {
	fs := pflag.NewFlagSet("cluster", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := clusterFlags{out: addBundleFlags(fs)}
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig `FILE` (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)")
	fs.StringVar(&f.context, "context", "", "kubeconfig context `NAME` (default: the current context)")
	fs.StringVar(&f.clusterName, "cluster-name", "", "cluster `NAME` to record (default: the context's cluster, or \"in-cluster\")")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress and no summary line (gaps are still reported)")
	fs.Int64Var(&f.pageSize, "page-size", 500, "objects per LIST request (`N`)")
	fs.DurationVar(&f.resourceTimeout, "resource-timeout", 5*time.Minute, "deadline for listing one resource, retries included")
	if code, ok := parseArgs(e, fs, "cluster", clusterExample); !ok {
		return code
	}
	if f.out.Output == "" {
		e.Errorf("no output file given")
		e.Hintf("name the bundle to write with -o OUT.tar.zst")
		return cli.ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return collectCluster(ctx, e, f)
}

func collectCluster(ctx context.Context, e *cli.Env, f clusterFlags) int {
	cfg, ctxName, name, err := loadClientConfig(f.kubeconfig, f.context)
	if err != nil {
		e.Errorf("cannot load the Kubernetes client configuration: %v", err)
		e.Hintf("pass --kubeconfig FILE and --context NAME, or set KUBECONFIG; inside a pod the ServiceAccount is used")
		return cli.ExitError
	}
	if f.clusterName != "" {
		name = f.clusterName
	}
	o := cluster.Options{Config: cfg, Context: ctxName, PageSize: f.pageSize, ResourceTimeout: f.resourceTimeout}
	if !f.quiet && isTerminal(e.Stderr) {
		o.Progress = &termProgress{w: e.Stderr}
	}
	c, err := cluster.New(o)
	if err != nil {
		e.Errorf("%v", err)
		return cli.ExitError
	}
	info, err := c.Identify(ctx)
	if err != nil {
		e.Errorf("%v", err)
		e.Hintf("check that the server is reachable and the credentials are valid: kubectl --context %q version", ctxName)
		return cli.ExitError
	}
	if info.KubeSystemUID == "" {
		e.Errorf("cannot read the cluster identity (the UID of namespace kube-system): %s", gapReasons(c.Gaps()))
		e.Hintf("grant get on namespaces/kube-system (deploy/cluster-rbac.yaml does)")
		return cli.ExitError
	}
	h := bundle.Header{Scope: bundle.ScopeCluster,
		Cluster: &bundle.Cluster{Name: name, KubeSystemUID: info.KubeSystemUID, ServerVersion: info.ServerVersion}}
	var res *cluster.Result
	rc := writeBundle(e, f.out.Key, f.out.Output, h, func(w *bundle.Writer) error {
		var err error
		res, err = c.Collect(ctx, w)
		return err
	})
	if res != nil && rc == cli.ExitOK {
		summarize(e, res, f.quiet)
	}
	return rc
}

// loadClientConfig resolves the client configuration with kubectl's loading rules and
// returns it with the context and cluster names to record.
func loadClientConfig(kubeconfig, context string) (*rest.Config, string, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", "", err
	}
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, "", "", err
	}
	if context == "" {
		context = raw.CurrentContext
	}
	name := "in-cluster"
	if kc, ok := raw.Contexts[context]; ok && kc.Cluster != "" {
		name = kc.Cluster
	}
	return cfg, context, name, nil
}

func gapReasons(gs []evidence.Gap) string {
	if len(gs) == 0 {
		return "unknown reason"
	}
	g := gs[len(gs)-1]
	return fmt.Sprintf("%s (HTTP %d): %s", g.Kind, g.HTTPStatus, g.Reason)
}

// summarize prints what was collected and names every gap.
func summarize(e *cli.Env, res *cluster.Result, quiet bool) {
	if !quiet {
		absent := 0
		for _, r := range res.Resources {
			if !r.Served {
				absent++
			}
		}
		fmt.Fprintf(e.Stderr, "%s: collected %d objects of %d resources (%d not served by this cluster)\n",
			e.Prog, res.Objects, len(res.Resources)-absent, absent)
	}
	if len(res.Gaps) == 0 {
		return
	}
	e.Warnf("%d gaps (recorded in the bundle; the analyzer reports the affected rules as NO_EVIDENCE):", len(res.Gaps))
	for _, g := range res.Gaps {
		status := ""
		if g.HTTPStatus != 0 {
			status = fmt.Sprintf(" (HTTP %d)", g.HTTPStatus)
		}
		fmt.Fprintf(e.Stderr, "  %s: %s%s: %s\n", g.Item, g.Kind, status, g.Reason)
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// termProgress redraws one status line per resource on a terminal.
type termProgress struct{ w io.Writer }

func (p *termProgress) Page(item string, n int) {
	fmt.Fprintf(p.w, "\r\033[Klisting %s: %d", item, n)
}

func (p *termProgress) Done(r evidence.Resource) {
	item := r.Group
	if item == "" {
		item = "core"
	}
	item += "/" + r.Resource
	state := fmt.Sprint(r.Count)
	switch {
	case !r.Served:
		state = "not served"
	case !r.Complete:
		state += " (incomplete)"
	}
	fmt.Fprintf(p.w, "\r\033[K  %-62s %s\n", item, state)
}
