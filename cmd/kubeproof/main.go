// Command kubeproof verifies kubeproof evidence bundles, evaluates the CIS Kubernetes
// Benchmark rules on them, and writes audit reports. It runs offline.
package main

import (
	"os"

	"github.com/kubeproof/kubeproof/internal/cli"
)

// commands is filled by each subcommand file's init.
var commands = cli.Registry{}

func main() { os.Exit(run()) }

func run() int {
	return cli.Run("kubeproof", "verify evidence bundles and report on them against the CIS Kubernetes Benchmark", commands)
}
