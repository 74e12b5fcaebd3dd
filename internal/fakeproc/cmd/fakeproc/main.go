// Command fakeproc starts the processes of a simulated host layout (hack/demo-node.sh).
//
//	fakeproc spawn SPEC.json DIR [TTL-SECONDS]
//
// starts every process of SPEC as a sleeping copy of itself named after its executable in
// DIR, prints one pid per line and exits; the processes end on SIGTERM or after the TTL.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/kubeproof/kubeproof/internal/fakeproc"
)

func main() {
	fakeproc.ChildMain()
	if len(os.Args) < 4 || os.Args[1] != "spawn" {
		fmt.Fprintln(os.Stderr, "usage: fakeproc spawn SPEC.json DIR [TTL-SECONDS]")
		os.Exit(2)
	}
	ttl := fakeproc.DefaultTTL
	if len(os.Args) > 4 {
		n, err := strconv.Atoi(os.Args[4])
		if err != nil {
			fmt.Fprintf(os.Stderr, "fakeproc: error: TTL %q is not a number of seconds\n", os.Args[4])
			os.Exit(2)
		}
		ttl = time.Duration(n) * time.Second
	}
	spec, err := fakeproc.LoadSpec(os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "fakeproc: error: %v\n", err)
		os.Exit(1)
	}
	for _, p := range spec.Processes {
		cmd, err := fakeproc.Start(os.Args[3], p, ttl)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fakeproc: error: %v\n", err)
			os.Exit(1)
		}
		fmt.Println(cmd.Process.Pid)
		_ = cmd.Process.Release()
	}
}
