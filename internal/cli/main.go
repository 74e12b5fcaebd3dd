package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kubeproof/kubeproof/internal/version"
)

// Main dispatches os.Args-style args to a registered subcommand and returns the exit code.
func Main(prog, about string, reg Registry, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "%s — %s\n\nUsage:\n  %s COMMAND [flags]\n\nCommands:\n", prog, about, prog)
		for _, n := range reg.Names() {
			fmt.Fprintf(w, "  %-10s %s\n", n, reg[n].Summary)
		}
		fmt.Fprintf(w, "\nRun '%s COMMAND --help' for a command's flags and an example.\n", prog)
	}
	if len(args) == 0 {
		usage(stderr)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return ExitOK
	case "--version", "version":
		fmt.Fprintf(stdout, "%s %s", prog, version.Version())
		if r := version.Revision(); r != "" {
			fmt.Fprintf(stdout, " (%s)", r)
		}
		fmt.Fprintln(stdout)
		return ExitOK
	}
	c, ok := reg[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "%s: error: unknown command %q\n", prog, args[0])
		fmt.Fprintf(stderr, "%s: hint: commands are: %s\n", prog, strings.Join(reg.Names(), ", "))
		return ExitUsage
	}
	return c.Run(&Env{Prog: prog, Args: args[1:], Stdin: stdin, Stdout: stdout, Stderr: stderr})
}

// Run is Main on the process's own arguments and streams.
func Run(prog, about string, reg Registry) int {
	return Main(prog, about, reg, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}
