// Command benchgen writes a large, realistic-looking bundle for hack/bench-verify.sh: JSON
// lines shaped like Kubernetes objects (compressible, but not trivially), split into
// members of at most 64 MiB, signed with a one-time key whose public key goes to OUT.pub.
//
//	go run ./bundle/internal/benchgen -size 1100 -o /tmp/b.tar.zst
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/kubeproof/kubeproof/bundle"
)

func main() {
	size := flag.Int64("size", 1100, "uncompressed evidence in MiB")
	out := flag.String("o", "", "output bundle")
	flag.Parse()
	if err := run(*size<<20, *out); err != nil {
		fmt.Fprintf(os.Stderr, "benchgen: error: %v\n", err)
		os.Exit(1)
	}
}

func run(total int64, out string) error {
	s, err := bundle.GenerateKey()
	if err != nil {
		return err
	}
	w, err := bundle.NewWriter(bundle.Header{Collector: bundle.Collector{Name: "benchgen"}, CreatedAt: time.Now(),
		Scope: bundle.ScopeCluster, Cluster: &bundle.Cluster{Name: "bench", KubeSystemUID: "00000000-0000-4000-8000-000000000000"}})
	if err != nil {
		return err
	}
	defer w.Abort()
	rng := rand.New(rand.NewPCG(1, 2))
	for page := 1; total > 0; page++ {
		n := min(total, 64<<20)
		if err := member(w, fmt.Sprintf("cluster/objects/core/v1/configmaps/%05d.jsonl", page), n, rng); err != nil {
			return err
		}
		total -= n
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if _, err := w.Finish(bw, s); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.WriteFile(out+".pub", bundle.AuthorizedKey(s.PublicKey(), "benchgen"), 0o644)
}

// member writes n bytes of object-like JSON lines.
func member(w *bundle.Writer, path string, n int64, rng *rand.Rand) error {
	wc, err := w.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(wc, 1<<20)
	var written int64
	for written < n {
		line := object(rng)
		if int64(len(line)) > n-written {
			line = line[:n-written]
		}
		k, err := io.WriteString(bw, line)
		if err != nil {
			return err
		}
		written += int64(k)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return wc.Close()
}

var namespaces = []string{"default", "kube-system", "monitoring", "payments", "ingress-nginx", "cert-manager", "logging"}
var apps = []string{"api", "web", "worker", "db", "cache", "gateway", "scheduler", "exporter"}

func object(rng *rand.Rand) string {
	ns := namespaces[rng.IntN(len(namespaces))]
	app := apps[rng.IntN(len(apps))]
	name := fmt.Sprintf("%s-%s-%x", app, ns, rng.Uint32())
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"namespace":%q,"uid":"%08x-%04x-4%03x-8%03x-%012x","resourceVersion":"%d","creationTimestamp":"2026-%02d-%02dT%02d:%02d:%02dZ","labels":{"app.kubernetes.io/name":%q,"app.kubernetes.io/part-of":"shop","tier":"backend"},"annotations":{"checksum/config":"%016x%016x"}},"data":{"LOG_LEVEL":"info","REPLICAS":"%d","ENDPOINT":"https://%s.%s.svc.cluster.local:%d/v1","FEATURE_FLAGS":"a=%t,b=%t,c=%t"}}`+"\n",
		name, ns, rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Uint64()&(1<<48-1), rng.IntN(1e8),
		1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), app, rng.Uint64(), rng.Uint64(),
		1+rng.IntN(9), app, ns, 8000+rng.IntN(1000), rng.IntN(2) == 0, rng.IntN(2) == 0, rng.IntN(2) == 0)
}
