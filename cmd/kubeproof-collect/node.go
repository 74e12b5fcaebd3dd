package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/collect/node"
	"github.com/kubeproof/kubeproof/internal/cli"
)

func init() {
	commands.Register(cli.Command{Name: "node", Summary: "snapshot this node's Kubernetes processes and files into a signed bundle", Run: runNode})
}

const nodeExample = `Example:
  kubeproof-collect node --key collector.key -o "$(hostname).tar.zst"

In a container (deploy/daemonset.yaml) mount the host read-only and point at it:
  kubeproof-collect node --host-root /host --proc-root /host/proc --node-name "$NODE_NAME" \
    --key /keys/collector.key -o /out/node.tar.zst

Only files are read and /proc is scanned; nothing is executed. Private keys, token files
and secret values are never put in the bundle (docs/evidence.md says what is kept).
`

type nodeFlags struct {
	hostRoot, procRoot, nodeName, pidFilter string
	out                                     *bundleFlags
}

func runNode(e *cli.Env) int {
	fs := pflag.NewFlagSet("node", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := nodeFlags{out: addBundleFlags(fs)}
	fs.StringVar(&f.hostRoot, "host-root", "/", "`DIR` where the host's root file system is mounted")
	fs.StringVar(&f.procRoot, "proc-root", "/proc", "the host's proc file system `DIR` (/host/proc in a container with hostPID)")
	fs.StringVar(&f.nodeName, "node-name", "", "node `NAME` to record (default: the host's /etc/hostname)")
	fs.StringVar(&f.pidFilter, "pid-filter", "", "only look at these comma-separated `PIDS` (tests and hack/demo-node.sh)")
	_ = fs.MarkHidden("pid-filter")
	if code, ok := parseArgs(e, fs, "node", nodeExample); !ok {
		return code
	}
	o, code := nodeOptions(e, f)
	if code != cli.ExitOK {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h := bundle.Header{CreatedAt: o.Now, Scope: "node", Node: node.NodeName(o)}
	return writeBundle(e, f.out.Key, f.out.Output, h, func(w *bundle.Writer) error {
		sum, err := node.Collect(ctx, o, w)
		if err == nil {
			fmt.Fprintf(e.Stderr, "%s: node %s (%s): %d component processes, %d files, %d gaps\n",
				e.Prog, sum.NodeName, sum.Distribution, sum.Processes, sum.Files, sum.Gaps)
		}
		return err
	})
}

// nodeOptions checks the flags and turns them into collector options.
func nodeOptions(e *cli.Env, f nodeFlags) (node.Options, int) {
	o := node.Options{HostRoot: f.hostRoot, ProcRoot: f.procRoot, NodeName: f.nodeName, Now: time.Now()}
	for _, d := range []struct{ flag, dir string }{{"--host-root", f.hostRoot}, {"--proc-root", f.procRoot}} {
		if fi, err := os.Stat(d.dir); err != nil || !fi.IsDir() {
			e.Errorf("%s %q is not a readable directory", d.flag, d.dir)
			e.Hintf("in a container, mount the host's / and /proc read-only and pass their mount points (see deploy/daemonset.yaml)")
			return o, cli.ExitUsage
		}
	}
	if f.pidFilter != "" {
		o.PIDs = []int{}
		for _, s := range strings.Split(f.pidFilter, ",") {
			pid, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || pid <= 0 {
				e.Errorf("--pid-filter: %q is not a process id", s)
				e.Hintf("give comma-separated positive numbers, e.g. --pid-filter 101,102")
				return o, cli.ExitUsage
			}
			o.PIDs = append(o.PIDs, pid)
		}
	}
	return o, cli.ExitOK
}
