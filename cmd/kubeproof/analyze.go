package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/kubeproof/kubeproof/analyze"
	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/internal/cli"
	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/internal/waiver"
	"github.com/kubeproof/kubeproof/mapping"
	"github.com/kubeproof/kubeproof/reports/pdf"
	"github.com/kubeproof/kubeproof/reports/xlsx"
	"github.com/kubeproof/kubeproof/rules"
)

func init() {
	commands.Register(cli.Command{Name: "analyze", Summary: "evaluate the benchmark on verified bundles; write report.json/xlsx/pdf", Run: runAnalyze})
}

const analyzeHelp = `Usage:
  kubeproof analyze --trusted-key FILE... --out DIR [flags] BUNDLE...

Verify the bundles (one cluster bundle and any node bundles of the same cluster), resolve
each component's effective configuration, evaluate every recommendation of the benchmark
and write DIR/report.json, DIR/report.xlsx and DIR/report.pdf (or the --format subset).
Every recommendation appears in the report, whatever its status. Bundles that do not
verify are refused (exit 3) unless --insecure-skip-verify, which stamps every report
UNVERIFIED EVIDENCE.

The benchmark is cis-2.0.1 for clusters at Kubernetes 1.35 or later and cis-1.12 before
(or when no cluster bundle gives the version), unless --benchmark names one.

Exit status: 0 done; 1 unexpected error; 2 usage; 3 a bundle failed verification;
4 rules failed to load; 5 a rule's status matched --fail-on.

Flags:
%s
Examples:
  kubeproof analyze --trusted-key collector.pub --out report/ cluster.tar.zst node-*.tar.zst
  kubeproof analyze --trusted-key allowed_signers --profile k3s --waivers waivers.yaml \
      --format json,xlsx --fail-on FAIL,ERROR --out report/ *.tar.zst
`

type analyzeFlags struct {
	keys, mappings, ruleDirs         []string
	benchmark, profile, waivers, out string
	format, reportTime, failOn       string
	insecure, fleet                  bool
}

func runAnalyze(e *cli.Env) int {
	fs := pflag.NewFlagSet("analyze", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f analyzeFlags
	fs.StringArrayVar(&f.keys, "trusted-key", nil, "OpenSSH public key or allowed_signers `FILE` whose signatures are trusted; repeatable")
	fs.StringVar(&f.out, "out", "", "`DIR` to write the reports to (created if missing)")
	fs.StringVar(&f.benchmark, "benchmark", "", "benchmark `ID` (cis-1.12, cis-2.0.1); default: from the cluster's server version")
	fs.StringVar(&f.profile, "profile", rules.DefaultProfile, "platform `NAME`: "+strings.Join(rules.ProfileNames(), ", "))
	fs.StringVar(&f.waivers, "waivers", "", "waiver `FILE` (YAML; docs/waivers.md)")
	fs.StringArrayVar(&f.mappings, "mapping", nil, "crosswalk `FILE` adding to or replacing built-in control mappings; repeatable")
	fs.StringArrayVar(&f.ruleDirs, "rules", nil, "rule `DIR` adding rules or overriding built-in ones by id; repeatable")
	fs.StringVar(&f.format, "format", "json,xlsx,pdf", "report `FORMATS` to write, comma-separated")
	fs.StringVar(&f.reportTime, "report-time", "", "report `TIME` (RFC 3339); default: the newest bundle's creation time")
	fs.StringVar(&f.failOn, "fail-on", "", "exit 5 when a rule's status is one of `STATUSES` (e.g. FAIL,ERROR,NO_EVIDENCE)")
	fs.BoolVar(&f.insecure, "insecure-skip-verify", false, "analyse bundles without checking their signatures; every report is stamped UNVERIFIED EVIDENCE")
	fs.BoolVar(&f.fleet, "fleet", false, "accept bundles of several clusters (not supported yet: analyse each cluster on its own)")
	help := fs.BoolP("help", "h", false, "show this help")
	if err := fs.Parse(e.Args); err != nil {
		return analyzeUsage(e, "%v", err)
	}
	if *help {
		fmt.Fprintf(e.Stdout, analyzeHelp, fs.FlagUsages())
		return cli.ExitOK
	}
	tuneGC()
	if stop := startProfile(e); stop != nil {
		defer stop()
	}
	o, formats, failOn, code := analyzeOptions(e, &f, fs.Args())
	if code != cli.ExitOK {
		return code
	}
	rep, err := analyze.Run(o)
	if err != nil {
		return analyzeError(e, err)
	}
	if code := writeReports(e, rep, f.out, formats); code != cli.ExitOK {
		return code
	}
	return reportOutcome(e, rep, f.out, failOn)
}

func analyzeUsage(e *cli.Env, format string, a ...any) int {
	e.Errorf(format, a...)
	e.Hintf("see 'kubeproof analyze --help'")
	return cli.ExitUsage
}

// analyzeOptions validates the flags and loads rules, profile, waivers and mapping.
func analyzeOptions(e *cli.Env, f *analyzeFlags, args []string) (analyze.Options, []string, map[string]bool, int) {
	var o analyze.Options
	switch {
	case len(args) == 0:
		return o, nil, nil, analyzeUsage(e, "no bundle given")
	case f.out == "":
		return o, nil, nil, analyzeUsage(e, "--out DIR is required")
	case len(f.keys) == 0 && !f.insecure:
		return o, nil, nil, analyzeUsage(e, "no --trusted-key given (or --insecure-skip-verify to analyse unverified evidence)")
	case f.fleet:
		e.Errorf("--fleet is not supported yet")
		e.Hintf("analyse each cluster's bundles in its own run; bundles of different clusters are refused")
		return o, nil, nil, cli.ExitUsage
	}
	formats, err := parseFormats(f.format)
	if err != nil {
		return o, nil, nil, analyzeUsage(e, "%v", err)
	}
	failOn, err := parseStatuses(f.failOn)
	if err != nil {
		return o, nil, nil, analyzeUsage(e, "%v", err)
	}
	o = analyze.Options{Bundles: args, InsecureSkipVerify: f.insecure, Benchmark: f.benchmark}
	if f.reportTime != "" {
		if o.ReportTime, err = time.Parse(time.RFC3339, f.reportTime); err != nil {
			return o, nil, nil, analyzeUsage(e, "--report-time %q is not RFC 3339 (e.g. 2026-01-02T03:04:05Z)", f.reportTime)
		}
	}
	if len(f.keys) > 0 {
		if o.Trusted, err = bundle.LoadTrustedKeys(f.keys...); err != nil {
			e.Errorf("%v", err)
			e.Hintf("--trusted-key takes an OpenSSH public key file (ssh-ed25519 AAAA…) or an allowed_signers file")
			return o, nil, nil, cli.ExitUsage
		}
	}
	if code := loadAnalysisInputs(e, f, &o); code != cli.ExitOK {
		return o, nil, nil, code
	}
	return o, formats, failOn, cli.ExitOK
}

func loadAnalysisInputs(e *cli.Env, f *analyzeFlags, o *analyze.Options) int {
	set, code := loadRuleSet(e, f.ruleDirs)
	if code != cli.ExitOK {
		return code
	}
	o.Rules = set
	p, err := rules.LoadProfile(f.profile)
	if err != nil {
		return analyzeUsage(e, "%v", err)
	}
	o.Profile, o.ProfileName, o.ProfileTitle = p, p.Name, p.Title
	if f.waivers != "" {
		w, err := waiver.Load(f.waivers)
		if err != nil {
			e.Errorf("%v", err)
			e.Hintf("fix the waiver file (docs/waivers.md describes its format)")
			return cli.ExitUsage
		}
		o.Waivers = w
	}
	m, err := mapping.Builtin()
	if err != nil {
		e.Errorf("built-in mapping: %v", err)
		return cli.ExitError
	}
	var user []*mapping.Mapping
	for _, path := range f.mappings {
		um, err := mapping.LoadFile(path)
		if err != nil {
			e.Errorf("%v", err)
			e.Hintf("a --mapping file uses the built-in format (docs/mapping.md)")
			return cli.ExitUsage
		}
		user = append(user, um)
	}
	o.Mapping = m.With(user...)
	return cli.ExitOK
}

// loadRuleSet returns the built-in rules overridden by each --rules DIR in order.
func loadRuleSet(e *cli.Env, dirs []string) (*rules.Set, int) {
	set, err := rules.Builtin()
	if err != nil {
		return nil, rulesLoadFailed(e, err)
	}
	for _, d := range dirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			e.Errorf("--rules %q is not a directory", d)
			return nil, cli.ExitUsage
		}
		user, err := rules.LoadFS(os.DirFS(d), ".", d)
		if err != nil {
			return nil, rulesLoadFailed(e, err)
		}
		set = set.Override(user)
	}
	return set, cli.ExitOK
}

func rulesLoadFailed(e *cli.Env, err error) int {
	var le *rules.LoadError
	if errors.As(err, &le) {
		for _, x := range le.Errs {
			e.Errorf("%s", x.Error())
		}
		e.Hintf("%d problem(s) in rule files; docs/rules.md describes the format", len(le.Errs))
		return cli.ExitRules
	}
	e.Errorf("loading rules: %v", err)
	return cli.ExitRules
}

var knownFormats = []string{"json", "xlsx", "pdf"}

func parseFormats(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" || seen[f] {
			continue
		}
		ok := false
		for _, k := range knownFormats {
			ok = ok || k == f
		}
		if !ok {
			return nil, fmt.Errorf("unknown report format %q (known: %s)", f, strings.Join(knownFormats, ", "))
		}
		seen[f] = true
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--format names no format (known: %s)", strings.Join(knownFormats, ", "))
	}
	return out, nil
}

func parseStatuses(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, x := range strings.Split(s, ",") {
		x = strings.ToUpper(strings.TrimSpace(x))
		if x == "" {
			continue
		}
		ok := false
		for _, k := range result.Statuses {
			ok = ok || k == x
		}
		if !ok {
			return nil, fmt.Errorf("--fail-on: unknown status %q (statuses: %s)", x, strings.Join(result.Statuses, ", "))
		}
		out[x] = true
	}
	return out, nil
}

func analyzeError(e *cli.Env, err error) int {
	var be *analyze.BundleError
	switch {
	case errors.As(err, &be) && be.Verify:
		e.Errorf("%v", err)
		e.Hintf("a bundle that fails verification is not analysed; check it with 'kubeproof verify', or pass --insecure-skip-verify to look at unverified evidence (the report is stamped UNVERIFIED EVIDENCE)")
		return cli.ExitVerify
	case errors.Is(err, analyze.ErrMixedClusters):
		e.Errorf("%v", err)
		e.Hintf("analyse each cluster's bundles in its own run")
		return cli.ExitUsage
	}
	e.Errorf("%v", err)
	return cli.ExitError
}

// writeReports writes each format to DIR/report.<format> through a temporary file.
func writeReports(e *cli.Env, rep *result.Report, dir string, formats []string) int {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		e.Errorf("creating %q: %v", dir, err)
		return cli.ExitError
	}
	for _, f := range formats {
		path := filepath.Join(dir, "report."+f)
		if err := writeAtomic(path, func(w io.Writer) error { return render(f, w, rep) }); err != nil {
			e.Errorf("writing %s: %v", path, err)
			return cli.ExitError
		}
	}
	return cli.ExitOK
}

func render(format string, w io.Writer, rep *result.Report) error {
	switch format {
	case "xlsx":
		return xlsx.Write(w, rep)
	case "pdf":
		return pdf.Write(w, rep)
	}
	return analyze.WriteJSON(w, rep)
}

func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// reportOutcome prints the summary and warnings and applies --fail-on.
func reportOutcome(e *cli.Env, rep *result.Report, dir string, failOn map[string]bool) int {
	for _, w := range rep.Warnings {
		e.Warnf("%s", w)
	}
	fmt.Fprintf(e.Stdout, "%s: %d recommendations (%s), profile %s, %d bundle(s), %s\n",
		rep.Benchmark, rep.Summary.Rules, statusCounts(rep.Summary.ByStatus), rep.Profile, len(rep.Bundles), verifiedWord(rep.Verified))
	fmt.Fprintf(e.Stdout, "reports written to %s\n", dir)
	var hit []string
	for _, r := range rep.Results {
		if failOn[r.Status] {
			hit = append(hit, r.RuleID+" "+r.Status)
		}
	}
	if len(hit) > 0 {
		e.Errorf("%d recommendation(s) have a --fail-on status: %s", len(hit), strings.Join(hit, ", "))
		return cli.ExitFindings
	}
	return cli.ExitOK
}

func statusCounts(m map[string]int) string {
	var parts []string
	for _, s := range result.Statuses {
		if m[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[s], s))
		}
	}
	return strings.Join(parts, ", ")
}

func verifiedWord(v bool) string {
	if v {
		return "evidence verified"
	}
	return "UNVERIFIED EVIDENCE"
}

// startProfile writes a CPU profile to $KUBEPROOF_CPUPROFILE when set (hack/bench-analyze.sh).
func startProfile(e *cli.Env) func() {
	path := os.Getenv("KUBEPROOF_CPUPROFILE")
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		e.Warnf("cpu profile: %v", err)
		return nil
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		e.Warnf("cpu profile: %v", err)
		f.Close()
		return nil
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// tuneGC trades memory for CPU during an analysis: the garbage collector runs at 3× the
// live heap instead of 2×, but always before the heap reaches 1.5 GiB (the goal is an
// analysis of a 100,000-pod cluster within 2 GB). GOGC or GOMEMLIMIT in the environment win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1536 << 20)
	}
}
