package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/internal/cli"
)

func init() {
	commands.Register(cli.Command{Name: "verify", Summary: "check bundles' signatures and contents; report every problem", Run: runVerify})
}

const verifyHelp = `Usage:
  kubeproof verify --trusted-key FILE... [--json] BUNDLE...

Check evidence bundles written by kubeproof-collect: the SSH signature of manifest.json
against the trusted keys, then every member's size and sha256, the archive's structure
and the limits of docs/bundle-format.md. Every problem is reported, not only the first.
Nothing is extracted or written to disk.

--trusted-key takes an OpenSSH public key file (such as the OUT.tar.zst.pub a collector
wrote beside a bundle signed with a one-time key) or an allowed_signers file
(ssh-keygen(1)); repeat it to trust several keys.

Exit status: 0 every bundle verified; 3 a bundle failed verification; 2 usage error;
1 unexpected error (such as an unreadable file).

Flags:
%s
Examples:
  kubeproof verify --trusted-key node-cp-1.tar.zst.pub node-cp-1.tar.zst
  kubeproof verify --trusted-key allowed_signers --json cluster.tar.zst node-*.tar.zst
`

func runVerify(e *cli.Env) int {
	fs := pflag.NewFlagSet("verify", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	keys := fs.StringArray("trusted-key", nil, "OpenSSH public key or allowed_signers `FILE` whose signatures are trusted; repeatable")
	asJSON := fs.Bool("json", false, "print the results as JSON on stdout")
	help := fs.BoolP("help", "h", false, "show this help")
	if err := fs.Parse(e.Args); err != nil {
		return verifyUsage(e, "%v", err)
	}
	if *help {
		fmt.Fprintf(e.Stdout, verifyHelp, fs.FlagUsages())
		return cli.ExitOK
	}
	if len(*keys) == 0 {
		return verifyUsage(e, "no --trusted-key given")
	}
	if fs.NArg() == 0 {
		return verifyUsage(e, "no bundle given")
	}
	trusted, err := bundle.LoadTrustedKeys(*keys...)
	if err != nil {
		e.Errorf("%v", err)
		e.Hintf("--trusted-key takes an OpenSSH public key file (ssh-ed25519 AAAA…) or an allowed_signers file")
		return cli.ExitUsage
	}
	results := make([]verifyResult, 0, fs.NArg())
	for _, path := range fs.Args() {
		results = append(results, verifyFile(path, trusted))
	}
	return finishVerify(e, results, *asJSON)
}

func verifyUsage(e *cli.Env, format string, a ...any) int {
	e.Errorf(format, a...)
	e.Hintf("pass the collector's public key (OUT.tar.zst.pub) or an allowed_signers file with --trusted-key, then the bundles; see 'kubeproof verify --help'")
	return cli.ExitUsage
}

// verifyResult is one bundle's outcome, also its --json form.
type verifyResult struct {
	File      string            `json:"file"`
	OK        bool              `json:"ok"`
	Verified  bool              `json:"verified"`
	Signer    string            `json:"signer,omitempty"`
	TrustedBy string            `json:"trusted_by,omitempty"`
	Format    string            `json:"format,omitempty"`
	Scope     string            `json:"scope,omitempty"`
	Node      string            `json:"node,omitempty"`
	Cluster   *bundle.Cluster   `json:"cluster,omitempty"`
	CreatedAt string            `json:"created_at,omitempty"`
	Collector *bundle.Collector `json:"collector,omitempty"`
	Members   int               `json:"members"` // members that matched the manifest
	Listed    int               `json:"listed"`  // members the manifest lists
	Bytes     int64             `json:"bytes"`
	Gaps      int               `json:"gaps"`
	Problems  []verifyProblem   `json:"problems"`
	Omitted   int               `json:"omitted_problems,omitempty"`
	Error     string            `json:"error,omitempty"` // the file could not be read

	untrusted bool
	unsigned  bool
}

type verifyProblem struct {
	Member string `json:"member"`
	Reason string `json:"reason"`
}

func verifyFile(path string, trusted *bundle.TrustedKeys) verifyResult {
	res := verifyResult{File: path, Problems: []verifyProblem{}}
	f, err := os.Open(path)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		res.Error = fmt.Sprintf("%q is a directory, not a bundle file", path)
		return res
	}
	rep := bundle.Verify(f, bundle.Options{Trusted: trusted})
	res.OK, res.Verified = rep.OK(), rep.Verified
	res.Signer, res.TrustedBy = rep.Signer, rep.TrustedBy
	res.Members, res.Bytes, res.Omitted = rep.Members, rep.Bytes, rep.Omitted
	if m := rep.Manifest; m != nil {
		res.Format, res.Scope, res.Node, res.Cluster = m.Format, m.Scope, m.Node, m.Cluster
		res.CreatedAt, res.Collector, res.Gaps = m.CreatedAt, &m.Collector, len(m.Gaps)
		res.Listed = len(m.Members)
	}
	for _, p := range rep.Problems {
		res.Problems = append(res.Problems, verifyProblem{Member: p.Member, Reason: p.Reason})
		res.untrusted = res.untrusted || errors.Is(p, bundle.ErrUntrustedKey)
		res.unsigned = res.unsigned || (p.Member == bundle.SignatureName && strings.HasPrefix(p.Reason, "missing"))
	}
	return res
}

func finishVerify(e *cli.Env, results []verifyResult, asJSON bool) int {
	failed, broken := 0, 0
	for _, r := range results {
		switch {
		case r.Error != "":
			broken++
			e.Errorf("%s: %s", r.File, r.Error)
		case !r.OK:
			failed++
			printProblems(e, r)
		}
	}
	if asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{"bundles": results})
	} else {
		for _, r := range results {
			printSummary(e.Stdout, r)
		}
	}
	if failed > 0 {
		e.Errorf("%d of %s failed verification", failed, plural(len(results), "bundle"))
		verifyHints(e, results)
		return cli.ExitVerify
	}
	if broken > 0 {
		return cli.ExitError
	}
	return cli.ExitOK
}

func printProblems(e *cli.Env, r verifyResult) {
	for _, p := range r.Problems {
		if p.Member == "" {
			e.Errorf("%s: %s", r.File, p.Reason)
		} else {
			e.Errorf("%s: member %q: %s", r.File, p.Member, p.Reason)
		}
	}
	if r.Omitted > 0 {
		e.Errorf("%s: … and %d more problems", r.File, r.Omitted)
	}
}

func verifyHints(e *cli.Env, results []verifyResult) {
	for _, r := range results {
		switch {
		case r.untrusted:
			e.Hintf("%s is signed by %s; if you expect that signer, confirm the fingerprint with whoever ran kubeproof-collect (it printed it), then pass its public key (%s.pub) with --trusted-key", r.File, r.Signer, r.File)
		case r.unsigned:
			e.Hintf("%s carries no signature; ask for a bundle written by kubeproof-collect, which always signs", r.File)
		}
	}
	e.Hintf("a bundle that fails verification must not be analysed; to check one by hand without kubeproof, see docs/bundle-format.md, \"Verify without kubeproof\"")
}

func printSummary(w io.Writer, r verifyResult) {
	switch {
	case r.Error != "":
		fmt.Fprintf(w, "%s: ERROR (%s)\n", r.File, r.Error)
		return
	case r.OK:
		fmt.Fprintf(w, "%s: OK\n", r.File)
	default:
		fmt.Fprintf(w, "%s: FAILED (%s)\n", r.File, plural(len(r.Problems)+r.Omitted, "problem"))
	}
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-11s %s\n", k, v)
		}
	}
	row("format", r.Format)
	row("scope", r.Scope)
	row("node", r.Node)
	if c := r.Cluster; c != nil {
		row("cluster", fmt.Sprintf("%s (kube-system uid %s, server %s)", orDash(c.Name), c.KubeSystemUID, orDash(c.ServerVersion)))
	}
	row("created_at", r.CreatedAt)
	if c := r.Collector; c != nil {
		row("collector", strings.TrimSpace(fmt.Sprintf("%s %s %s", c.Name, c.Version, c.Revision)))
	}
	signer := r.Signer
	if r.Verified {
		signer += " (trusted by " + r.TrustedBy + ")"
	} else if signer != "" {
		signer += " (NOT verified)"
	}
	row("signer", signer)
	if r.Format != "" {
		members := fmt.Sprint(r.Members)
		if r.Members != r.Listed {
			members = fmt.Sprintf("%d verified of %d listed", r.Members, r.Listed)
		}
		row("members", members)
		row("bytes", fmt.Sprint(r.Bytes))
		row("gaps", fmt.Sprint(r.Gaps))
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
