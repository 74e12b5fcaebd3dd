// Command kubeproof-collect snapshots the evidence the CIS Kubernetes Benchmark needs from a
// node or a cluster into a signed bundle. It never evaluates anything and never runs a shell.
package main

import (
	"os"

	"github.com/kubeproof/kubeproof/internal/cli"
)

// commands is filled by each subcommand file's init.
var commands = cli.Registry{}

func main() { os.Exit(run()) }

func run() int {
	return cli.Run("kubeproof-collect", "collect signed evidence bundles from a Kubernetes node or cluster", commands)
}
