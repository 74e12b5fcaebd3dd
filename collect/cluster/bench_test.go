package cluster_test

import (
	"context"
	"io"
	"testing"

	"github.com/kubeproof/kubeproof/collect/cluster"
	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/kubetest"
)

// discardSink counts bytes and drops them.
type discardSink struct{ n int64 }

type countWriter struct{ n *int64 }

func (w countWriter) Write(p []byte) (int, error) { *w.n += int64(len(p)); return len(p), nil }
func (w countWriter) Close() error                { return nil }

func (s *discardSink) Create(string) (io.WriteCloser, error) { return countWriter{&s.n}, nil }
func (s *discardSink) AddJSON(string, any) error             { return nil }
func (s *discardSink) AddGap(evidence.Gap)                   {}

// BenchmarkCollect collects everything the test server holds (seed it with
// hack/bench-cluster.sh first) into a sink that discards the bytes.
func BenchmarkCollect(b *testing.B) {
	cfg := kubetest.Config(b)
	for b.Loop() {
		c, err := cluster.New(cluster.Options{Config: cfg})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Identify(context.Background()); err != nil {
			b.Fatal(err)
		}
		s := &discardSink{}
		res, err := c.Collect(context.Background(), s)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Objects), "objects")
		b.SetBytes(s.n)
	}
}
