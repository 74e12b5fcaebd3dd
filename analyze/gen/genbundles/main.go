// Command genbundles writes generated, signed evidence bundles: the demo assessment
// (-demo DIR) or the scale benchmark's cluster and node bundles (-big DIR).
//
//	go run ./analyze/gen/genbundles -demo out/demo
//	go run ./analyze/gen/genbundles -big /tmp/big -pods 100000 -rbac 25000 -nodes 100
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kubeproof/kubeproof/analyze/gen"
)

func main() {
	demo := flag.String("demo", "", "write the demo bundles and key.pub into `DIR`")
	big := flag.String("big", "", "write the scale-benchmark bundles and key.pub into `DIR`")
	pods := flag.Int("pods", 100_000, "pods in the big cluster bundle")
	rbac := flag.Int("rbac", 25_000, "RBAC objects (roles, bindings, cluster roles and bindings) in the big cluster bundle")
	nodes := flag.Int("nodes", 100, "node bundles to write with -big")
	flag.Parse()
	var err error
	switch {
	case *demo != "":
		err = mkdirThen(*demo, func() error { return gen.Demo(*demo) })
	case *big != "":
		err = mkdirThen(*big, func() error { return gen.Big(*big, gen.BigSpec{Pods: *pods, RBAC: *rbac, Nodes: *nodes}) })
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genbundles: error:", err)
		os.Exit(1)
	}
}

func mkdirThen(dir string, fn func() error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return fn()
}
