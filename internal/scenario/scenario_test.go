package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubeproof/kubeproof/internal/fakeproc"
	"github.com/kubeproof/kubeproof/internal/result"
)

// binDir holds kubeproof and kubeproof-collect, built once by TestMain.
var binDir string

// repoRoot is the module root (two levels up from this package).
var repoRoot = filepath.Join("..", "..")

func TestMain(m *testing.M) {
	fakeproc.ChildMain() // a process started by startLayout sleeps here
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kubeproof-scenario-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "scenario:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("go", "build", "-trimpath", "-o", dir+string(filepath.Separator), "./cmd/kubeproof", "./cmd/kubeproof-collect")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "scenario: go build of the two binaries failed: %v\n%s", err, out)
		return 1
	}
	binDir = dir
	return m.Run()
}

// execResult is what a command run by runBin printed and returned.
type execResult struct {
	Code           int
	Stdout, Stderr string
}

// runBin runs one of the built binaries as a user would and returns its exit code and output.
func runBin(t *testing.T, prog string, args ...string) execResult {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, prog), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := execResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run %s: %v", prog, err)
	}
	return r
}

// mustRun runs prog and fails the test unless it exits 0.
func mustRun(t *testing.T, prog string, args ...string) execResult {
	t.Helper()
	r := runBin(t, prog, args...)
	if r.Code != 0 {
		t.Fatalf("%s %s: exit %d\nstdout:\n%s\nstderr:\n%s", prog, strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// requireRoot reports whether the test runs as root; without root it skips the part that
// needs it, except under CI=true, where it fails (CI runs the tests as root).
func requireRoot(t *testing.T, why string) bool {
	t.Helper()
	if os.Geteuid() == 0 {
		return true
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("needs root (%s); CI runs tests as root", why)
	}
	return false
}

// hostLayout is a simulated host: a directory tree (the host root) and a spec of its
// processes and of its files' modes and owners (internal/fakeproc.Spec).
type hostLayout struct {
	Tree, Spec string
}

// sharedHost is one of testdata/hosts (the node collector's layouts) with its own spec.
func sharedHost(name string) hostLayout {
	tree := filepath.Join(repoRoot, "testdata", "hosts", name)
	return hostLayout{Tree: tree, Spec: tree + ".json"}
}

// scenarioHost is one of the layouts made for the scenarios and the demo
// (testdata/demo/hosts/<name> and <name>.json): kubeadm-default, kubeadm-hardened, worker-1.
func scenarioHost(name string) hostLayout {
	tree := filepath.Join(repoRoot, "testdata", "demo", "hosts", name)
	return hostLayout{Tree: tree, Spec: tree + ".json"}
}

// layout copies a simulated host to a temporary host root and gives its files the modes and
// owners of the spec. Owners need root: without it the test skips (fails under CI=true),
// because file-ownership rules would judge the wrong owner.
func layout(t *testing.T, h hostLayout) (string, *fakeproc.Spec) {
	t.Helper()
	spec, err := fakeproc.LoadSpec(h.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if !requireRoot(t, "file owners of the "+h.Tree+" layout") {
		t.Skip("not root: the layout's file owners cannot be set (run as root, as CI does)")
	}
	root := t.TempDir()
	if out, err := exec.Command("cp", "-a", h.Tree+"/.", root).CombinedOutput(); err != nil {
		t.Fatalf("copy layout %s: %v\n%s", h.Tree, err, out)
	}
	if err := fakeproc.Apply(root, spec.Files); err != nil {
		t.Fatalf("layout %s: %v", h.Tree, err)
	}
	return root, spec
}

// startLayout starts the layout's processes (copies of this test binary with the layout's
// argv) and returns their pids once each shows its argv in /proc.
func startLayout(t *testing.T, spec *fakeproc.Spec) []string {
	t.Helper()
	dir := t.TempDir()
	var pids []string
	for _, p := range spec.Processes {
		cmd, err := fakeproc.Start(dir, p, 2*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fakeproc.Stop(cmd) })
		pids = append(pids, strconv.Itoa(cmd.Process.Pid))
	}
	waitExec(t, pids)
	return pids
}

// waitExec waits until every child has exec'd (its cmdline is no longer this binary's).
func waitExec(t *testing.T, pids []string) {
	t.Helper()
	self, _ := os.ReadFile("/proc/self/cmdline")
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for {
			b, err := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
			if err == nil && len(b) > 0 && !bytes.Equal(b, self) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pid %s did not exec its layout argv", pid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// signedBundle is a bundle and the public key of the one-time key that signed it.
type signedBundle struct {
	Path, Pub string
}

// collectNode collects a simulated node with `kubeproof-collect node` and no --key, so a
// one-time key signs the bundle and its public key is written beside it.
func collectNode(t *testing.T, h hostLayout, outDir string) signedBundle {
	t.Helper()
	root, spec := layout(t, h)
	pids := startLayout(t, spec)
	out := filepath.Join(outDir, filepath.Base(h.Tree)+".tar.zst")
	r := mustRun(t, "kubeproof-collect", "node", "--host-root", root, "--proc-root", "/proc",
		"--pid-filter", strings.Join(pids, ","), "-o", out)
	if !strings.Contains(r.Stderr, "one-time key") {
		t.Errorf("collector did not say it used a one-time key:\n%s", r.Stderr)
	}
	b := signedBundle{Path: out, Pub: out + ".pub"}
	if _, err := os.Stat(b.Pub); err != nil {
		t.Fatalf("no public key beside the bundle: %v", err)
	}
	return b
}

// analyze runs `kubeproof analyze` on the bundles, each trusted by its own public key, and
// returns the parsed report.json and its bytes. extra holds flags such as --profile.
func analyze(t *testing.T, outDir string, bundles []signedBundle, extra ...string) (*result.Report, []byte) {
	t.Helper()
	args := []string{"analyze", "--format", "json", "--out", outDir}
	for _, b := range bundles {
		args = append(args, "--trusted-key", b.Pub)
	}
	args = append(args, extra...)
	for _, b := range bundles {
		args = append(args, b.Path)
	}
	r := mustRun(t, "kubeproof", args...)
	if r.Stderr != "" {
		t.Logf("kubeproof analyze stderr:\n%s", r.Stderr)
	}
	data, err := os.ReadFile(filepath.Join(outDir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep result.Report
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("report.json does not match internal/result: %v", err)
	}
	return &rep, data
}

// byID indexes a report's results by rule id.
func byID(rep *result.Report) map[string]*result.RuleResult {
	m := make(map[string]*result.RuleResult, len(rep.Results))
	for i := range rep.Results {
		m[rep.Results[i].RuleID] = &rep.Results[i]
	}
	return m
}

// idsWith lists, in report order, the ids of the rules whose status is st and whose id
// starts with one of the prefixes (all rules when none is given).
func idsWith(rep *result.Report, st string, prefixes ...string) []string {
	var ids []string
	for _, r := range rep.Results {
		if r.Status != st {
			continue
		}
		if len(prefixes) == 0 || slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(r.RuleID, p) }) {
			ids = append(ids, r.RuleID)
		}
	}
	return ids
}

// nodeSections are the rule id prefixes of the node-level chapters (1 to 4).
var nodeSections = []string{"1.", "2.", "3.", "4."}

// checkComplete asserts what every report must hold: the schema, one result per
// recommendation of the benchmark (131), each with a valid status, and per-target reasons.
func checkComplete(t *testing.T, rep *result.Report) {
	t.Helper()
	if rep.Schema != result.Schema {
		t.Errorf("schema = %q, want %q", rep.Schema, result.Schema)
	}
	if len(rep.Results) != 131 || rep.Summary.Rules != 131 {
		t.Errorf("report lists %d results (summary says %d), want all 131 recommendations", len(rep.Results), rep.Summary.Rules)
	}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		if seen[r.RuleID] {
			t.Errorf("rule %s listed twice", r.RuleID)
		}
		seen[r.RuleID] = true
		if !slices.Contains(result.Statuses, r.Status) {
			t.Errorf("rule %s has status %q", r.RuleID, r.Status)
		}
		if r.Status == result.Error {
			t.Errorf("rule %s: ERROR: %s", r.RuleID, r.Reason)
		}
		if (r.Status == result.NotApplicable || r.Status == result.NoEvidence) && r.Reason == "" {
			t.Errorf("rule %s is %s without a reason", r.RuleID, r.Status)
		}
	}
	if !rep.Verified {
		t.Error("report says the evidence is not verified")
	}
}

// statusTable renders "id status" lines of the selected rules, for failure messages.
func statusTable(rep *result.Report, prefixes ...string) string {
	var b strings.Builder
	for _, r := range rep.Results {
		if len(prefixes) == 0 || slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(r.RuleID, p) }) {
			fmt.Fprintf(&b, "  %-7s %-15s %s %s\n", r.RuleID, r.Status, r.Assessment, firstLine(r.Reason))
		}
	}
	return b.String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 110 {
		s = s[:110] + "…"
	}
	return s
}
