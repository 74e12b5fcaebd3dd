package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/kubeproof/kubeproof/internal/cli"
	"github.com/kubeproof/kubeproof/mapping"
)

func init() {
	commands.Register(cli.Command{Name: "mapping", Summary: "list frameworks; show which rules are evidence for which controls", Run: runMapping})
}

const mappingHelp = `Usage:
  kubeproof mapping list [--mapping FILE]...
  kubeproof mapping show FRAMEWORK [--mapping FILE]... [--notes]

Show the crosswalk from CIS Kubernetes Benchmark rules to the controls of NIST SP 800-53
Rev. 5 (nist-800-53-r5), PCI DSS v4.0.1 (pci-dss-4.0.1) and the SOC 2 Trust Services
Criteria (soc2-2017). "list" prints the frameworks, their versions and how many controls,
rules and rows each has; "show" prints every control of one framework with its title and
the rules that support it. A rule result is evidence about a control, never a claim that
the control is met (docs/mapping.md).

Flags:
%s
Examples:
  kubeproof mapping list
  kubeproof mapping show nist-800-53-r5
  kubeproof mapping show pci-dss-4.0.1 --notes --mapping our-crosswalk.csv
`

func runMapping(e *cli.Env) int {
	fs := pflag.NewFlagSet("mapping", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	files := fs.StringArray("mapping", nil, "an organisation's crosswalk `FILE` (CSV, same columns as the built-in one) that adds or replaces rows; repeatable, applied in order")
	notes := fs.Bool("notes", false, "show: print each row's relation, provenance note and source file:line")
	help := fs.BoolP("help", "h", false, "show this help")
	if err := fs.Parse(e.Args); err != nil {
		e.Errorf("%v", err)
		e.Hintf("run 'kubeproof mapping --help' for usage")
		return cli.ExitUsage
	}
	if *help {
		fmt.Fprintf(e.Stdout, mappingHelp, fs.FlagUsages())
		return cli.ExitOK
	}
	args := fs.Args()
	switch {
	case len(args) == 1 && args[0] == "list":
	case len(args) == 2 && args[0] == "show":
		if !mappingKnown(args[1]) {
			e.Errorf("unknown framework %q", args[1])
			e.Hintf("frameworks are %s ('kubeproof mapping list')", mappingKeys())
			return cli.ExitUsage
		}
	case len(args) == 0:
		e.Errorf("missing subcommand: 'list' or 'show FRAMEWORK'")
		e.Hintf("run 'kubeproof mapping --help' for usage and examples")
		return cli.ExitUsage
	default:
		e.Errorf("expected 'list' or 'show FRAMEWORK', got %q", strings.Join(args, " "))
		e.Hintf("run 'kubeproof mapping --help' for usage and examples")
		return cli.ExitUsage
	}
	m, ok := mappingLoad(e, *files)
	if !ok {
		return cli.ExitError
	}
	if args[0] == "list" {
		mappingList(e.Stdout, m)
	} else {
		mappingShow(e.Stdout, m, args[1], *notes)
	}
	return cli.ExitOK
}

// mappingLoad returns the built-in crosswalk extended by the user files, reporting every
// problem of every file.
func mappingLoad(e *cli.Env, files []string) (*mapping.Mapping, bool) {
	m, err := mapping.Builtin()
	if err != nil {
		e.Errorf("%v", err)
		return nil, false
	}
	var user []*mapping.Mapping
	failed := false
	for _, f := range files {
		u, err := mapping.LoadFile(f)
		if err != nil {
			mappingErrors(e, err)
			failed = true
			continue
		}
		user = append(user, u)
	}
	if failed {
		e.Hintf("a crosswalk file is CSV with the header rule,framework,control,relation,note[,title]; see docs/mapping.md")
		return nil, false
	}
	return m.With(user...), true
}

// mappingErrors prints each problem of a joined error on its own line.
func mappingErrors(e *cli.Env, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, x := range j.Unwrap() {
			mappingErrors(e, x)
		}
		return
	}
	e.Errorf("%v", err)
}

// mappingKnown reports whether key is a supported framework key.
func mappingKnown(key string) bool {
	m, err := mapping.Builtin()
	if err != nil {
		return false
	}
	for _, f := range m.Frameworks() {
		if f.Key == key {
			return true
		}
	}
	return false
}

func mappingKeys() string {
	m, err := mapping.Builtin()
	if err != nil {
		return ""
	}
	var k []string
	for _, f := range m.Frameworks() {
		k = append(k, f.Key)
	}
	return strings.Join(k, ", ")
}

// mappingStats counts the controls, rules and rows of one framework, and its reasoned
// no-mapping statements.
func mappingStats(m *mapping.Mapping, fw string) (controls, rules, rows, none int) {
	c, r := map[string]bool{}, map[string]bool{}
	for _, row := range m.Rows(fw) {
		if row.Relation == mapping.None {
			none++
			continue
		}
		rows++
		c[row.Control], r[row.Rule] = true, true
	}
	return len(c), len(r), rows, none
}

func mappingList(w io.Writer, m *mapping.Mapping) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FRAMEWORK\tNAME\tVERSION\tCONTROLS\tRULES\tROWS\tNO-MAPPING")
	for _, f := range m.Frameworks() {
		c, r, n, none := mappingStats(m, f.Key)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\n", f.Key, f.Name, f.Version, c, r, n, none)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%s\n", mappingFooter(m))
}

func mappingFooter(m *mapping.Mapping) string {
	info := m.Info()
	src := "crosswalk: " + info.Builtin
	for _, f := range info.UserFiles {
		src += " + " + f
	}
	return src + "\nA rule result is evidence about a control, never a claim that the control is met (docs/mapping.md)."
}

func mappingShow(w io.Writer, m *mapping.Mapping, fw string, notes bool) {
	for _, f := range m.Frameworks() {
		if f.Key == fw {
			c, r, n, _ := mappingStats(m, fw)
			fmt.Fprintf(w, "%s — %s %s: %d controls, %d rules, %d rows\n", f.Key, f.Name, f.Version, c, r, n)
		}
	}
	rows := m.Rows(fw)
	var none []mapping.Row
	for i := 0; i < len(rows); {
		if rows[i].Relation == mapping.None {
			none = append(none, rows[i])
			i++
			continue
		}
		j := i
		for j < len(rows) && rows[j].Control == rows[i].Control && rows[j].Relation != mapping.None {
			j++
		}
		mappingShowControl(w, m, fw, rows[i:j], notes)
		i = j
	}
	if len(none) > 0 {
		fmt.Fprintf(w, "\nNo control applies (reasoned):\n")
		for _, r := range none {
			fmt.Fprintf(w, "  %-8s %s  [%s]\n", r.Rule, r.Note, r.Source)
		}
	}
	fmt.Fprintf(w, "\n%s\n", mappingFooter(m))
}

func mappingShowControl(w io.Writer, m *mapping.Mapping, fw string, rows []mapping.Row, notes bool) {
	fmt.Fprintf(w, "\n%s  %s\n", rows[0].Control, m.Title(fw, rows[0].Control))
	if notes {
		for _, r := range rows {
			fmt.Fprintf(w, "  %-8s %-18s %s  [%s]\n", r.Rule, r.Relation, r.Note, r.Source)
		}
		return
	}
	for _, rel := range []string{mapping.Supports, mapping.PartiallySupports} {
		var ids []string
		for _, r := range rows {
			if r.Relation == rel {
				ids = append(ids, r.Rule)
			}
		}
		if len(ids) > 0 {
			mappingWrap(w, fmt.Sprintf("  %-20s", rel+":"), ids, 96)
		}
	}
}

// mappingWrap prints words after prefix, wrapping at width with a hanging indent.
func mappingWrap(w io.Writer, prefix string, words []string, width int) {
	line := prefix
	indent := strings.Repeat(" ", len(prefix))
	for i, word := range words {
		if i > 0 && len(line)+1+len(word) > width {
			fmt.Fprintln(w, strings.TrimRight(line, " "))
			line = indent
		} else if i > 0 {
			line += " "
		}
		line += word
	}
	fmt.Fprintln(w, line)
}
