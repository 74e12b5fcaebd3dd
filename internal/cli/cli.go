// Package cli holds the small pieces both command-line programs share: the subcommand
// registry, exit codes and the "prog: error: …" / "prog: hint: …" message style.
package cli

import (
	"fmt"
	"io"
	"sort"
)

// Exit codes (architecture.md §2).
const (
	ExitOK       = 0
	ExitError    = 1
	ExitUsage    = 2
	ExitVerify   = 3
	ExitRules    = 4
	ExitFindings = 5
)

// Env is what a subcommand gets: its arguments and the standard streams.
type Env struct {
	Prog   string
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Command is one subcommand.
type Command struct {
	Name    string
	Summary string
	Run     func(e *Env) int
}

// Registry maps subcommand names to commands; each subcommand file registers itself in init.
type Registry map[string]Command

// Register adds c; it panics on a duplicate name (a programming error).
func (r Registry) Register(c Command) {
	if _, dup := r[c.Name]; dup {
		panic("cli: duplicate command " + c.Name)
	}
	r[c.Name] = c
}

// Names returns the registered names, sorted.
func (r Registry) Names() []string {
	var n []string
	for k := range r {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Errorf prints "prog: error: …" to e.Stderr.
func (e *Env) Errorf(format string, a ...any) {
	fmt.Fprintf(e.Stderr, "%s: error: %s\n", e.Prog, fmt.Sprintf(format, a...))
}

// Hintf prints "prog: hint: …" to e.Stderr.
func (e *Env) Hintf(format string, a ...any) {
	fmt.Fprintf(e.Stderr, "%s: hint: %s\n", e.Prog, fmt.Sprintf(format, a...))
}

// Warnf prints "prog: warning: …" to e.Stderr.
func (e *Env) Warnf(format string, a ...any) {
	fmt.Fprintf(e.Stderr, "%s: warning: %s\n", e.Prog, fmt.Sprintf(format, a...))
}
