package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/kubeproof/kubeproof/internal/cli"
	"github.com/kubeproof/kubeproof/rules"
)

func init() {
	commands.Register(cli.Command{Name: "rules", Summary: "list, show and test the benchmark rules", Run: runRules})
}

const rulesHelp = `Usage:
  kubeproof rules list [--benchmark ID] [--rules DIR]...
  kubeproof rules show [--rules DIR]... ID
  kubeproof rules test [DIR]

list   the recommendations of a benchmark (default cis-1.12) with level, assessment and
       scope, and the automated/manual counts.
show   one rule: its metadata, what it checks (CEL) and the remediation.
test   run the rule test files (<id>.test.yaml): the built-in ones, or those in DIR against
       DIR's rules (which add to or override the built-in rules by id).

--rules DIR adds or overrides rules, as 'kubeproof analyze --rules DIR' does.
Exit status: 0 ok; 1 a test case failed; 2 usage; 4 rules or tests failed to load.

Flags:
%s
Examples:
  kubeproof rules list --benchmark cis-2.0.1
  kubeproof rules show 4.2.1
  kubeproof rules test ./my-rules
`

func runRules(e *cli.Env) int {
	fs := pflag.NewFlagSet("rules", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bench := fs.String("benchmark", "cis-1.12", "benchmark `ID` to list")
	dirs := fs.StringArray("rules", nil, "rule `DIR` adding or overriding rules; repeatable")
	verbose := fs.BoolP("verbose", "v", false, "test: list every case, not only failures")
	help := fs.BoolP("help", "h", false, "show this help")
	if err := fs.Parse(e.Args); err != nil {
		return rulesUsage(e, "%v", err)
	}
	if *help {
		fmt.Fprintf(e.Stdout, rulesHelp, fs.FlagUsages())
		return cli.ExitOK
	}
	args := fs.Args()
	if len(args) == 0 {
		return rulesUsage(e, "missing subcommand: list, show ID or test [DIR]")
	}
	switch args[0] {
	case "list":
		if len(args) != 1 {
			return rulesUsage(e, "rules list takes no arguments")
		}
		return rulesList(e, *bench, *dirs)
	case "show":
		if len(args) != 2 {
			return rulesUsage(e, "rules show takes one rule id")
		}
		return rulesShow(e, args[1], *dirs)
	case "test":
		if len(args) > 2 {
			return rulesUsage(e, "rules test takes at most one directory")
		}
		return rulesTest(e, args[1:], *verbose)
	}
	return rulesUsage(e, "unknown subcommand %q: want list, show or test", args[0])
}

func rulesUsage(e *cli.Env, format string, a ...any) int {
	e.Errorf(format, a...)
	e.Hintf("see 'kubeproof rules --help'")
	return cli.ExitUsage
}

func rulesList(e *cli.Env, bench string, dirs []string) int {
	set, code := loadRuleSet(e, dirs)
	if code != cli.ExitOK {
		return code
	}
	rs := set.Benchmark(bench)
	if len(rs) == 0 {
		return rulesUsage(e, "no rules for benchmark %q (known: %s)", bench, strings.Join(set.Benchmarks(), ", "))
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tASSESSMENT\tSCOPE\tTITLE")
	auto := 0
	for _, r := range rs {
		if r.Automated() {
			auto++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Level, r.AssessmentTitle(), r.Scope, r.Title)
	}
	tw.Flush()
	fmt.Fprintf(e.Stdout, "%d recommendations in %s: %d automated, %d manual\n", len(rs), bench, auto, len(rs)-auto)
	return cli.ExitOK
}

func rulesShow(e *cli.Env, id string, dirs []string) int {
	set, code := loadRuleSet(e, dirs)
	if code != cli.ExitOK {
		return code
	}
	r, ok := set.Rule(id)
	if !ok {
		e.Errorf("no rule %q", id)
		e.Hintf("'kubeproof rules list' shows the ids")
		return cli.ExitUsage
	}
	w := e.Stdout
	fmt.Fprintf(w, "%s  %s\n", r.ID, r.Title)
	field := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-14s %s\n", k+":", v)
		}
	}
	field("section", strings.TrimSpace(r.Section+" "+r.SectionTitle))
	field("benchmarks", strings.Join(r.Benchmarks, ", "))
	field("level", r.Level)
	field("assessment", r.AssessmentTitle())
	field("scope", r.Scope)
	field("component", r.Component)
	field("inputs", strings.Join(r.Inputs, ", "))
	for _, f := range r.Files {
		if f.Setting != "" {
			field("file", "the file named by "+f.Setting)
		} else {
			field("file", "every file with role "+f.Role)
		}
	}
	field("resources", strings.Join(r.Resources, ", "))
	field("expect", r.Expect)
	field("check", r.Check)
	field("message", r.Message)
	field("manual reason", r.ManualReason)
	field("rationale", r.Rationale)
	field("remediation", r.Remediation)
	field("source", r.Path)
	return cli.ExitOK
}

// rulesTest runs the built-in tests, or DIR's tests against builtin+DIR rules.
func rulesTest(e *cli.Env, args []string, verbose bool) int {
	set, code := loadRuleSet(e, nil)
	if code != cli.ExitOK {
		return code
	}
	var fsys fs.FS = rules.BuiltinFS()
	dir, shown := rules.BuiltinDir, "rules/cis"
	if len(args) == 1 {
		if st, err := os.Stat(args[0]); err != nil || !st.IsDir() {
			return rulesUsage(e, "%q is not a directory", args[0])
		}
		fsys, dir, shown = os.DirFS(args[0]), ".", args[0]
		user, err := rules.LoadFS(fsys, dir, shown)
		if err != nil {
			return rulesLoadFailed(e, err)
		}
		set = set.Override(user)
	}
	results, err := rules.RunTests(fsys, dir, shown, set)
	failed, ruleIDs := 0, map[string]bool{}
	for _, r := range results {
		ruleIDs[r.RuleID] = true
		if !r.OK {
			failed++
		}
		if verbose || !r.OK {
			fmt.Fprintln(e.Stdout, r)
		}
	}
	if err != nil {
		var le *rules.LoadError
		if errors.As(err, &le) {
			return rulesLoadFailed(e, err)
		}
		e.Errorf("%v", err)
		return cli.ExitError
	}
	fmt.Fprintf(e.Stdout, "%d cases for %d rules: %d passed, %d failed\n", len(results), len(ruleIDs), len(results)-failed, failed)
	if failed > 0 {
		return cli.ExitError
	}
	return cli.ExitOK
}
