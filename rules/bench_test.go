package rules

import "testing"

// BenchmarkEvalObject measures one object rule on one pod, tracked and on the fast path.
func BenchmarkEvalObject(b *testing.B) {
	set, err := LoadFS(testdataFS(), "basic", "testdata/basic")
	if err != nil {
		b.Fatal(err)
	}
	r, _ := set.Rule("5.2.2")
	pod := ToValue(Normalize(map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "a"},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "securityContext": map[string]any{"runAsNonRoot": true}}}}}))
	for _, c := range []struct {
		name string
		size int
	}{{"tracked", 0}, {"fast", 500}} {
		b.Run(c.name, func(b *testing.B) {
			in := &Input{Object: pod, Size: c.size}
			for i := 0; i < b.N; i++ {
				if v := r.Eval(in, nil, false); v.Status != StatusPass {
					b.Fatal(v)
				}
			}
		})
	}
}
