package node

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/fakeproc"
)

func TestMain(m *testing.M) {
	fakeproc.ChildMain() // a process started by startProcs sleeps here
	os.Exit(m.Run())
}

// memSink keeps members as JSON bytes, like a bundle would.
type memSink struct {
	members map[string][]byte
	order   []string
	gaps    []evidence.Gap
}

func newSink() *memSink { return &memSink{members: map[string][]byte{}} }

func (s *memSink) AddJSON(p string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.members[p] = b
	s.order = append(s.order, p)
	return nil
}

func (s *memSink) AddGap(g evidence.Gap) { s.gaps = append(s.gaps, g) }

func (s *memSink) processes(t *testing.T) []evidence.Process {
	t.Helper()
	var ps []evidence.Process
	if err := json.Unmarshal(s.members[evidence.PathProcesses], &ps); err != nil {
		t.Fatalf("processes.json: %v", err)
	}
	return ps
}

func (s *memSink) host(t *testing.T) evidence.Host {
	t.Helper()
	var h evidence.Host
	if err := json.Unmarshal(s.members[evidence.PathHost], &h); err != nil {
		t.Fatalf("host.json: %v", err)
	}
	return h
}

// file returns the evidence for host path p; it fails the test when p was not collected.
func (s *memSink) file(t *testing.T, p string) evidence.File {
	t.Helper()
	b, ok := s.members[evidence.FileMember(p)]
	if !ok {
		t.Fatalf("no member for %s; members: %s", p, strings.Join(s.order, " "))
	}
	var f evidence.File
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return f
}

func (s *memSink) all() string {
	var b strings.Builder
	for _, p := range s.order {
		b.Write(s.members[p])
	}
	g, _ := json.Marshal(s.gaps)
	b.Write(g)
	return b.String()
}

func (s *memSink) gapKinds(item string) []string {
	var out []string
	for _, g := range s.gaps {
		if g.Item == item {
			out = append(out, g.Kind)
		}
	}
	return out
}

// requireRoot skips a test that needs root, unless CI=true, where it fails.
func requireRoot(t *testing.T, why string) bool {
	t.Helper()
	if os.Geteuid() == 0 {
		return true
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("needs root (%s); CI runs tests as root", why)
	}
	t.Logf("not root: %s is not checked", why)
	return false
}

// layout copies testdata/hosts/<name> to a temp host root and gives its files the spec's
// modes and owners (owners only as root).
func layout(t *testing.T, name string) (string, *fakeproc.Spec) {
	t.Helper()
	src := filepath.Join("..", "..", "testdata", "hosts", name)
	spec, err := fakeproc.LoadSpec(src + ".json")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if out, err := exec.Command("cp", "-a", src+"/.", root).CombinedOutput(); err != nil {
		t.Fatalf("copy layout: %v\n%s", err, out)
	}
	if requireRoot(t, "file owners of the "+name+" layout") {
		if err := fakeproc.Apply(root, spec.Files); err != nil {
			t.Fatal(err)
		}
	} else {
		for _, f := range spec.Files {
			var m uint32
			for _, c := range f.Mode {
				m = m*8 + uint32(c-'0')
			}
			_ = os.Chmod(filepath.Join(root, f.Path), fs.FileMode(m))
		}
	}
	return root, spec
}

// startProcs starts the processes with their argv and returns their pids, in order.
func startProcs(t *testing.T, procs []fakeproc.Proc) []int {
	t.Helper()
	dir := t.TempDir()
	var pids []int
	for _, p := range procs {
		cmd, err := fakeproc.Start(dir, p, 2*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fakeproc.Stop(cmd) })
		pids = append(pids, cmd.Process.Pid)
	}
	waitExec(t, pids)
	return pids
}

// waitExec waits until each child has exec'd (its cmdline is the chosen argv, not the
// test binary's).
func waitExec(t *testing.T, pids []int) {
	t.Helper()
	self, _ := os.ReadFile("/proc/self/cmdline")
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for {
			b, err := os.ReadFile(filepath.Join("/proc", itoa(pid), "cmdline"))
			if err == nil && len(b) > 0 && string(b) != string(self) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pid %d did not exec", pid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + jsonInt(i)) }

func jsonInt(i int) string { b, _ := json.Marshal(i); return string(b) }

var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// collectLayout starts a layout's processes and collects the node.
func collectLayout(t *testing.T, name string) (*memSink, *Summary, []int) {
	t.Helper()
	root, spec := layout(t, name)
	pids := startProcs(t, spec.Processes)
	s := newSink()
	sum, err := Collect(context.Background(), Options{HostRoot: root, ProcRoot: "/proc", Now: fixedNow, PIDs: pids}, s)
	if err != nil {
		t.Fatal(err)
	}
	return s, sum, pids
}

func findProc(ps []evidence.Process, component, source string) *evidence.Process {
	for i := range ps {
		if ps[i].Component == component && ps[i].Source == source {
			return &ps[i]
		}
	}
	return nil
}

func flagValue(p *evidence.Process, name string) (string, bool) {
	return evidence.LastFlag(p.Flags, name)
}

func hasRole(f evidence.File, role string) bool {
	i := sort.SearchStrings(f.Roles, role)
	return i < len(f.Roles) && f.Roles[i] == role
}
