package cluster_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kubeproof/kubeproof/evidence"
)

// memSink keeps members in memory (uncompressed), enforcing the bundle writer's rules
// that matter here: unique paths and one open member at a time.
type memSink struct {
	mu      sync.Mutex
	members map[string][]byte
	order   []string
	gaps    []evidence.Gap
	open    bool
}

func newMemSink() *memSink { return &memSink{members: map[string][]byte{}} }

type memMember struct {
	s    *memSink
	path string
	buf  bytes.Buffer
}

func (m *memMember) Write(p []byte) (int, error) { return m.buf.Write(p) }
func (m *memMember) Close() error {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	m.s.members[m.path] = m.buf.Bytes()
	m.s.open = false
	return nil
}

func (s *memSink) Create(path string) (io.WriteCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open {
		return nil, fmt.Errorf("create %q: previous member not closed", path)
	}
	if _, dup := s.members[path]; dup {
		return nil, fmt.Errorf("create %q: duplicate member", path)
	}
	s.members[path] = nil
	s.order = append(s.order, path)
	s.open = true
	return &memMember{s: s, path: path}, nil
}

func (s *memSink) AddJSON(path string, v any) error {
	w, err := s.Create(path)
	if err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Write(append(b, '\n'))
	return w.Close()
}

func (s *memSink) AddGap(g evidence.Gap) { s.gaps = append(s.gaps, g) }

// all returns every member's bytes concatenated, plus the gaps as JSON.
func (s *memSink) all() []byte {
	var b bytes.Buffer
	for _, p := range s.order {
		b.Write(s.members[p])
	}
	g, _ := json.Marshal(s.gaps)
	b.Write(g)
	return b.Bytes()
}

// object is one decoded API object from a member line.
type object = map[string]any

// objects returns every object of the resource dir ("core/v1/pods"), in member order.
func (s *memSink) objects(t *testing.T, dir string) []object {
	t.Helper()
	var out []object
	prefix := evidence.PrefixObjects + dir + "/"
	for _, p := range s.order {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(s.members[p]))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var o object
			if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
				t.Fatalf("member %s: bad JSON line: %v", p, err)
			}
			out = append(out, o)
		}
	}
	return out
}

func (s *memSink) resources(t *testing.T) map[string]evidence.Resource {
	t.Helper()
	var rs []evidence.Resource
	if err := json.Unmarshal(s.members[evidence.PathResources], &rs); err != nil {
		t.Fatalf("%s: %v", evidence.PathResources, err)
	}
	m := map[string]evidence.Resource{}
	for _, r := range rs {
		g := r.Group
		if g == "" {
			g = "core"
		}
		m[g+"/"+r.Resource] = r
	}
	return m
}

// byName indexes objects by "namespace/name" (or "name").
func byName(objs []object) map[string]object {
	m := map[string]object{}
	for _, o := range objs {
		md, _ := o["metadata"].(map[string]any)
		k, _ := md["name"].(string)
		if ns, ok := md["namespace"].(string); ok && ns != "" {
			k = ns + "/" + k
		}
		m[k] = o
	}
	return m
}

func keys[V any](m map[string]V) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// get walks a decoded object: get(o, "spec", "hostPID").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}
