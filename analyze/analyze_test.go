package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeproof/kubeproof/analyze/gen"
	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/rules"
)

var update = flag.Bool("update", false, "rewrite testdata/golden files")

func testRules(t testing.TB) *rules.Set {
	t.Helper()
	s, err := rules.LoadFS(os.DirFS("testdata/rules"), ".", "testdata/rules")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var demoOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "kubeproof-demo-")
	if err != nil {
		return "", err
	}
	return dir, gen.Demo(dir)
})

func demoDir(t testing.TB) string {
	t.Helper()
	dir, err := demoOnce()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func demoBundles(dir string) []string {
	var out []string
	for _, n := range []string{"cluster", "cp-1", "w-1", "w-2"} {
		out = append(out, filepath.Join(dir, n+".tar.zst"))
	}
	return out
}

func runDemo(t testing.TB) *result.Report {
	t.Helper()
	rep, err := Run(Options{Bundles: demoBundles(demoDir(t)), Trusted: gen.Trusted(gen.Key(1)), Rules: testRules(t),
		ProfileName: "kubeadm"})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func find(t *testing.T, rep *result.Report, id string) *result.RuleResult {
	t.Helper()
	for i := range rep.Results {
		if rep.Results[i].RuleID == id {
			return &rep.Results[i]
		}
	}
	t.Fatalf("no result for %s", id)
	return nil
}

func target(t *testing.T, r *result.RuleResult, node string) result.Target {
	t.Helper()
	for _, x := range r.Targets {
		if x.Node == node {
			return x
		}
	}
	t.Fatalf("rule %s has no target on %s", r.RuleID, node)
	return result.Target{}
}

type want struct{ node, status, actual, source string }

func check(t *testing.T, rep *result.Report, id string, ws ...want) {
	t.Helper()
	r := find(t, rep, id)
	for _, w := range ws {
		got := target(t, r, w.node)
		if got.Status != w.status || (w.actual != "" && got.Actual != w.actual) || (w.source != "" && got.Source != w.source) {
			t.Errorf("%s on %s: got %s actual=%q source=%q (%s %s); want %s actual=%q source=%q",
				id, w.node, got.Status, got.Actual, got.Source, got.Reason, got.Message, w.status, w.actual, w.source)
		}
	}
}

// TestKubeletPrecedence: default < config file < drop-ins < flags, with the source of each verdict.
func TestKubeletPrecedence(t *testing.T) {
	rep := runDemo(t)
	check(t, rep, "4.2.1",
		want{"cp-1", "PASS", "false", "default"}, // omitted in the config file: the v1beta1 default complies
		want{"w-1", "FAIL", "true", "flag"},      // --anonymous-auth=true overrides a compliant config file
		want{"w-2", "FAIL", "true", "default"})   // no --config: the legacy flag default is true
	check(t, rep, "4.2.2",
		want{"cp-1", "PASS", "Webhook", "config-file"},
		want{"w-1", "PASS", "Webhook", "drop-in"}, // 20-auth.conf overrides 10-ports.conf (lexical order)
		want{"w-2", "FAIL", "AlwaysAllow", "default"})
	check(t, rep, "4.2.4",
		want{"cp-1", "PASS", "0", "config-file"},
		want{"w-1", "FAIL", "10255", "drop-in"}, // a drop-in overrides the config file
		want{"w-2", "PASS", "0", "flag"})
	w1 := target(t, find(t, rep, "4.2.4"), "w-1")
	if len(w1.Evidence) != 1 || w1.Evidence[0].Member != "node/files/etc/kubernetes/kubelet.conf.d/10-ports.conf.json" || len(w1.Evidence[0].SHA256) != 64 {
		t.Errorf("evidence of the drop-in verdict: %+v", w1.Evidence)
	}
}

// TestKubeProxyPrecedence: with --config the file (and its defaults) decide; mapped flags are ignored.
func TestKubeProxyPrecedence(t *testing.T) {
	rep := runDemo(t)
	check(t, rep, "4.3.1",
		want{"w-1", "PASS", "127.0.0.1:10249", "default"},
		want{"cp-1", "NOT_APPLICABLE", "", ""},
		want{"w-2", "NOT_APPLICABLE", "", ""})
	if m := target(t, find(t, rep, "4.3.1"), "w-1").Message; !strings.Contains(m, "ignored because --config is set") {
		t.Errorf("message does not say the flag was ignored: %q", m)
	}
	// without --config, the flag decides
	p := gen.Proc("kube-proxy", "proc", "kube-proxy", "--metrics-bind-address=0.0.0.0:10249")
	tab, _ := componentTable()
	c := resolve(tab["kube-proxy"], &p, "node/processes.json", "", noFiles{}, nil, "")
	if v := c.Values["metricsBindAddress"]; v.Value != "0.0.0.0:10249" || v.Source != result.SourceFlag {
		t.Errorf("flags-only kube-proxy: %+v", v)
	}
	// with --config, an omitted field keeps its default whatever the flag says
	p = gen.Proc("kube-proxy", "proc", "kube-proxy", "--config=/c.yaml", "--metrics-bind-address=0.0.0.0:10249")
	c = resolve(tab["kube-proxy"], &p, "node/processes.json", "", oneFile{gen.File("/c.yaml", 0o600, map[string]any{"metricsBindAddress": "0.0.0.0:9999"})}, nil, "")
	if v := c.Values["metricsBindAddress"]; v.Value != "0.0.0.0:9999" || v.Source != result.SourceConfigFile {
		t.Errorf("kube-proxy with --config: %+v", v)
	}
}

type noFiles struct{}

func (noFiles) lookup(string) (*evidenceFile, string, bool) { return nil, "", false }
func (noFiles) gap(string) (evidenceGap, bool)              { return evidenceGap{}, false }

type oneFile struct{ f evidenceFileV }

func (o oneFile) lookup(p string) (*evidenceFile, string, bool) {
	if p == o.f.Path {
		f := o.f
		return &f, "node/files" + p + ".json", true
	}
	return nil, "", false
}
func (oneFile) gap(string) (evidenceGap, bool) { return evidenceGap{}, false }

// TestLookalikeFlags: a flag never counts for a longer flag that contains its name.
func TestLookalikeFlags(t *testing.T) {
	rep := runDemo(t)
	// cp-1 sets --peer-client-cert-auth=true only: client-cert-auth stays at its default false
	check(t, rep, "2.1", want{"cp-1", "FAIL", "false", "default"})
	// cp-1 sets --requestheader-client-ca-file only: --client-ca-file is not set
	check(t, rep, "1.2.29", want{"cp-1", "FAIL", "(not set)", "default"})
}

// TestStaticManifestSource: a component found only as a static pod manifest is judged from
// the manifest's command, with source static-manifest; a running process wins over it.
func TestStaticManifestSource(t *testing.T) {
	rep := runDemo(t)
	check(t, rep, "1.4.1", want{"cp-1", "PASS", "false", "static-manifest"}, want{"w-1", "NOT_APPLICABLE", "", ""})
	check(t, rep, "1.2.1", want{"cp-1", "PASS", "false", "flag"}) // running process and manifest: the process
}

// TestRuntimeErrorIsErrorForThatRuleOnly: a rule that fails at run time gives ERROR with the
// CEL error, and every other rule is still evaluated.
func TestRuntimeErrorIsErrorForThatRuleOnly(t *testing.T) {
	rep := runDemo(t)
	r := find(t, rep, "5.9.1")
	if r.Status != "ERROR" || r.Counts["ERROR"] != 5 || !strings.Contains(r.Reason, "no such key") {
		t.Fatalf("5.9.1: %s %v %q", r.Status, r.Counts, r.Reason)
	}
	if find(t, rep, "5.2.2").Status != "FAIL" {
		t.Error("the other object rules were not evaluated")
	}
}

func TestNoEvidenceAndNotApplicable(t *testing.T) {
	rep := runDemo(t)
	// the audit policy file is a recorded gap
	check(t, rep, "1.2.16", want{"cp-1", "NO_EVIDENCE", "", ""})
	if r := target(t, find(t, rep, "1.2.16"), "cp-1"); !strings.Contains(r.Reason, "permission-denied") {
		t.Errorf("reason %q does not name the gap", r.Reason)
	}
	if s := find(t, rep, "1.2.16").Status; s != "NO_EVIDENCE" {
		t.Errorf("1.2.16 rolled up to %s", s)
	}
	// the etcd manifest named by the static-pod evidence is a gap: NO_EVIDENCE, not "no file"
	check(t, rep, "1.1.7", want{"cp-1", "NO_EVIDENCE", "", ""})
	// kubelet kubeconfig: a gap on w-2, not collected on the others
	check(t, rep, "4.1.5", want{"w-2", "NO_EVIDENCE", "", ""}, want{"cp-1", "NO_EVIDENCE", "", ""})
	// the API server is absent from the workers
	check(t, rep, "1.2.1", want{"cp-1", "PASS", "false", "flag"}, want{"w-1", "NOT_APPLICABLE", "", ""})
	if r := find(t, rep, "1.2.1"); r.Status != "PASS" || r.CountSummary != "PASS on 1 of 3 nodes (2 NOT_APPLICABLE)" {
		t.Errorf("1.2.1: %s %q", r.Status, r.CountSummary)
	}
	// secrets could not be listed: never PASS
	if r := find(t, rep, "5.4.1"); r.Status != "NO_EVIDENCE" || !strings.Contains(r.Reason, "forbidden") {
		t.Errorf("5.4.1: %s %q", r.Status, r.Reason)
	}
}

// TestNoEvidenceWhenConfigFileIsAGap: a kubelet whose --config file was not collected gives
// NO_EVIDENCE for settings no flag decides, and still judges flag-set ones.
func TestNoEvidenceWhenConfigFileIsAGap(t *testing.T) {
	dir := t.TempDir()
	n := &gen.Node{Name: "n1", Procs: []evidenceProcess{gen.Proc("kubelet", "proc", "kubelet", "--config=/var/lib/kubelet/config.yaml", "--read-only-port=0")},
		Gaps: []evidenceGap{{Item: "/var/lib/kubelet/config.yaml", Kind: "permission-denied", Reason: "open: permission denied"}}}
	path := filepath.Join(dir, "n1.tar.zst")
	if err := gen.WriteFile(path, func(w ioWriter) error { return n.Write(w, gen.Key(1)) }); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(Options{Bundles: []string{path}, Trusted: gen.Trusted(gen.Key(1)), Rules: testRules(t)})
	if err != nil {
		t.Fatal(err)
	}
	check(t, rep, "4.2.1", want{"n1", "NO_EVIDENCE", "", ""})
	check(t, rep, "4.2.4", want{"n1", "PASS", "0", "flag"})
	if r := find(t, rep, "5.2.2"); r.Status != "NO_EVIDENCE" {
		t.Errorf("object rule without a cluster bundle: %s", r.Status)
	}
}

func TestObjectsAndCluster(t *testing.T) {
	rep := runDemo(t)
	r := find(t, rep, "5.2.2")
	if r.Status != "FAIL" || r.CountSummary != "FAIL on 2 of 5 pod objects (3 PASS)" || r.TargetsOmitted != 3 || len(r.Targets) != 2 {
		t.Fatalf("5.2.2: %s %q omitted=%d targets=%d", r.Status, r.CountSummary, r.TargetsOmitted, len(r.Targets))
	}
	if o := r.Targets[0].Object; o.Kind != "Pod" || o.Namespace != "kube-system" || o.Name != "kube-proxy-abcde" {
		t.Errorf("first offending object %+v", o)
	}
	if r.Targets[1].Actual != "privileged containers: app" {
		t.Errorf("actual %q", r.Targets[1].Actual)
	}
	c := find(t, rep, "5.3.2")
	if c.Status != "FAIL" || c.Targets[0].Actual != "without: default,ops" {
		t.Errorf("5.3.2: %s %q", c.Status, c.Targets[0].Actual)
	}
	if m := find(t, rep, "5.1.1"); m.Status != "MANUAL" || m.Reason == "" {
		t.Errorf("5.1.1: %s %q", m.Status, m.Reason)
	}
}

func TestWarnings(t *testing.T) {
	rep := runDemo(t)
	all := strings.Join(rep.Warnings, "\n")
	for _, w := range []string{
		`node "w-3" is listed by the cluster but no node bundle covers it`,
		`kubelet settings differ between nodes (rule 4.2.1): "false" on cp-1; "true" on w-1, w-2`,
	} {
		if !strings.Contains(all, w) {
			t.Errorf("warnings lack %q:\n%s", w, all)
		}
	}
}

// TestGolden: report.json for the demo bundles matches testdata/golden/demo.json and is
// byte-identical across runs (and with a different number of workers).
func TestGolden(t *testing.T) {
	var outs [][]byte
	for _, workers := range []int{1, 4} {
		rep, err := Run(Options{Bundles: demoBundles(demoDir(t)), Trusted: gen.Trusted(gen.Key(1)), Rules: testRules(t),
			ProfileName: "kubeadm", Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		rep.Tool.Version = "(test)" // the binary's version is not part of what the golden file pins
		b, err := Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("report.json differs between runs")
	}
	golden := filepath.Join("testdata", "golden", "demo.json")
	if *update {
		os.MkdirAll(filepath.Dir(golden), 0o755)
		if err := os.WriteFile(golden, outs[0], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update)", err)
	}
	if !bytes.Equal(outs[0], want) {
		t.Errorf("report.json differs from %s (run go test ./analyze -run TestGolden -update and review the diff)", golden)
	}
	var m map[string]any
	if err := json.Unmarshal(outs[0], &m); err != nil || m["schema"] != result.Schema {
		t.Errorf("not a report: %v", err)
	}
}

func TestReportTime(t *testing.T) {
	rt := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	rep, err := Run(Options{Bundles: demoBundles(demoDir(t)), Trusted: gen.Trusted(gen.Key(1)), Rules: testRules(t), ReportTime: rt})
	if err != nil {
		t.Fatal(err)
	}
	if rep.GeneratedAt != "2030-05-06T07:08:09Z" {
		t.Errorf("generated_at %q", rep.GeneratedAt)
	}
	rep2 := runDemo(t)
	if rep2.GeneratedAt != "2026-01-02T03:04:05Z" {
		t.Errorf("generated_at from bundles %q", rep2.GeneratedAt)
	}
}

func TestVerificationRefused(t *testing.T) {
	dir := demoDir(t)
	_, err := Run(Options{Bundles: demoBundles(dir), Trusted: gen.Trusted(gen.Key(2)), Rules: testRules(t)})
	var be *BundleError
	if !errors.As(err, &be) || !be.Verify {
		t.Fatalf("wrong key: got %v, want a verification BundleError", err)
	}
	rep, err := Run(Options{Bundles: demoBundles(dir), InsecureSkipVerify: true, Rules: testRules(t)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verified || !strings.Contains(strings.Join(rep.Warnings, "\n"), "UNVERIFIED EVIDENCE") {
		t.Errorf("insecure run not stamped: verified=%v warnings=%v", rep.Verified, rep.Warnings)
	}
	// flip one byte in the middle of a bundle
	b, _ := os.ReadFile(filepath.Join(dir, "w-1.tar.zst"))
	b[len(b)/2] ^= 0x40
	bad := filepath.Join(t.TempDir(), "w-1.tar.zst")
	os.WriteFile(bad, b, 0o644)
	_, err = Run(Options{Bundles: []string{bad}, Trusted: gen.Trusted(gen.Key(1)), Rules: testRules(t)})
	if !errors.As(err, &be) {
		t.Fatalf("tampered bundle: got %v", err)
	}
}

func TestMixedClustersRefused(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, uid := range []string{"uid-a", "uid-b"} {
		c := &gen.Cluster{Name: "c", UID: uid, ServerVersion: "v1.33.0"}
		p := filepath.Join(dir, uid+".tar.zst")
		if err := gen.WriteFile(p, func(w ioWriter) error { return c.Write(w, gen.Key(1)) }); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		_ = i
	}
	_, err := Run(Options{Bundles: paths, Trusted: gen.Trusted(gen.Key(1)), Rules: testRules(t)})
	if !errors.Is(err, ErrMixedClusters) {
		t.Fatalf("got %v, want ErrMixedClusters", err)
	}
}

func TestBenchmarkChoice(t *testing.T) {
	set := testRules(t)
	for v, want := range map[string]string{"v1.33.2": "cis-1.12", "v1.34.1": "cis-1.12", "v1.35.0": "cis-2.0.1", "v1.36.0+k3s1": "cis-2.0.1"} {
		a := &assessment{cluster: &clusterEv{info: evidenceClusterInfo{ServerVersion: v}}}
		got, _, err := chooseBenchmark("", a, set)
		if err != nil || got != want {
			t.Errorf("%s: %s %v, want %s", v, got, err, want)
		}
	}
	if _, _, err := chooseBenchmark("cis-9", &assessment{}, set); err == nil {
		t.Error("unknown benchmark accepted")
	}
}

func TestDefaultsData(t *testing.T) {
	tab, err := DefaultsTable()
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(tab, "\n")
	for _, s := range []string{
		`kubelet authentication.anonymous.enabled [config-file] = "false"`,
		`kubelet authentication.anonymous.enabled [flags-only] = "true"`,
		`kubelet readOnlyPort [config-file] = "0"`,
		`kubelet readOnlyPort [flags-only] = "10255"`,
		`kube-apiserver anonymous-auth [any] = "true"`,
		`kube-apiserver authorization-mode [any] = "AlwaysAllow"`,
		`kube-apiserver profiling [any] = "true"`,
	} {
		if !strings.Contains(joined, s) {
			t.Errorf("defaults lack %s", s)
		}
	}
}

// TestWriteJSONMatchesEncodingJSON: the streamed report.json is exactly encoding/json's.
func TestWriteJSONMatchesEncodingJSON(t *testing.T) {
	rep := runDemo(t)
	got, err := Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	want, err := encode(rep, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("streamed report.json differs from encoding/json's")
	}
	empty := &result.Report{Schema: result.Schema}
	got, _ = Marshal(empty)
	want, _ = encode(empty, "")
	if !bytes.Equal(got, want) {
		t.Fatalf("empty report differs:\n%s\n%s", got, want)
	}
}

// TestEtcdEnvPrecedence: ETCD_* variables map to flags (source env); a flag wins.
func TestEtcdEnvPrecedence(t *testing.T) {
	tab, _ := componentTable()
	p := gen.Proc("etcd", "proc", "etcd", "--peer-client-cert-auth=true")
	p.Env = map[string]string{"ETCD_CLIENT_CERT_AUTH": "true", "ETCD_PEER_AUTO_TLS": "true"}
	c := resolve(tab["etcd"], &p, "node/processes.json", "", noFiles{}, nil, "")
	if v := c.Values["client-cert-auth"]; v.Value != "true" || v.Source != result.SourceEnv {
		t.Errorf("client-cert-auth from env: %+v", v)
	}
	p = gen.Proc("etcd", "proc", "etcd", "--peer-auto-tls=false")
	p.Env = map[string]string{"ETCD_PEER_AUTO_TLS": "true"}
	c = resolve(tab["etcd"], &p, "node/processes.json", "", noFiles{}, nil, "")
	if v := c.Values["peer-auto-tls"]; v.Value != "false" || v.Source != result.SourceFlag {
		t.Errorf("flag over env: %+v", v)
	}
	if v := c.Values["client-cert-auth"]; v.Value != "false" || v.Source != result.SourceDefault || v.Cite == "" {
		t.Errorf("default: %+v", v)
	}
}
