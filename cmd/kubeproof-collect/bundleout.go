package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/crypto/ssh"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/internal/cli"
	"github.com/kubeproof/kubeproof/internal/version"
)

// bundleFlags are the output flags every collecting subcommand takes.
type bundleFlags struct {
	Key    string // --key: OpenSSH private key; "" makes a one-time key
	Output string // -o/--output: the bundle to write
}

// addBundleFlags registers --key and -o/--output on fs.
func addBundleFlags(fs *pflag.FlagSet) *bundleFlags {
	b := &bundleFlags{}
	fs.StringVar(&b.Key, "key", "", "OpenSSH private key `FILE` to sign the bundle with (ed25519 recommended); without it a one-time key is made and its public key written to OUT.pub")
	fs.StringVarP(&b.Output, "output", "o", "", "write the bundle to `OUT.tar.zst`")
	return b
}

// writeBundle signs and writes a bundle: it loads the key (or makes a one-time one), lets
// fill add the members and gaps, and writes OUT.tmp, then renames it to OUT, so a bundle
// is complete or absent. It prints messages on e.Stderr and returns the exit code.
// h.Collector is filled in from the build when empty; h.CreatedAt defaults to now.
func writeBundle(e *cli.Env, key, out string, h bundle.Header, fill func(w *bundle.Writer) error) int {
	if out == "" {
		e.Errorf("no output file given")
		e.Hintf("name the bundle to write with -o OUT.tar.zst")
		return cli.ExitUsage
	}
	signer, oneTime, err := loadOrMakeKey(key)
	if err != nil {
		e.Errorf("%v", err)
		e.Hintf("make a key with: ssh-keygen -t ed25519 -N '' -f collector.key (or omit --key for a one-time key)")
		return cli.ExitUsage
	}
	fillHeader(&h)
	m, err := writeSigned(out, signer, h, fill)
	if err != nil {
		e.Errorf("%v", err)
		return cli.ExitError
	}
	if oneTime {
		if err := writePub(out, signer.PublicKey(), h.CreatedAt); err != nil {
			os.Remove(out)
			e.Errorf("%v (the bundle was removed: without this public key it cannot be verified)", err)
			return cli.ExitError
		}
	}
	report(e, out, m, signer.PublicKey(), oneTime)
	return cli.ExitOK
}

func loadOrMakeKey(path string) (ssh.Signer, bool, error) {
	if path == "" {
		s, err := bundle.GenerateKey()
		return s, true, err
	}
	s, err := bundle.LoadPrivateKey(path)
	return s, false, err
}

func fillHeader(h *bundle.Header) {
	if h.Collector.Name == "" {
		h.Collector = bundle.Collector{Name: "kubeproof-collect", Version: version.Version(), Revision: version.Revision()}
	}
	if h.CreatedAt.IsZero() {
		h.CreatedAt = time.Now()
	}
	h.CreatedAt = h.CreatedAt.UTC().Truncate(time.Second)
}

// writeSigned builds the bundle into OUT.tmp and renames it to OUT; on any failure
// nothing is left behind.
func writeSigned(out string, s ssh.Signer, h bundle.Header, fill func(w *bundle.Writer) error) (m *bundle.Manifest, err error) {
	w, err := bundle.NewWriter(h)
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	tmp := out + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create bundle: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := fill(w); err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	if m, err = w.Finish(f, s); err != nil {
		return nil, fmt.Errorf("write %q: %w", out, err)
	}
	if err = errors.Join(f.Sync(), f.Close()); err != nil {
		return nil, fmt.Errorf("write %q: %w", tmp, err)
	}
	if err = os.Rename(tmp, out); err != nil {
		return nil, fmt.Errorf("write %q: %w", out, err)
	}
	return m, nil
}

// writePub writes OUT.pub, the one-time key's public half, via a temporary file.
func writePub(out string, pub ssh.PublicKey, at time.Time) error {
	comment := fmt.Sprintf("kubeproof-collect one-time key for %s %s", filepath.Base(out), at.UTC().Format(time.RFC3339))
	tmp := out + ".pub.tmp"
	if err := os.WriteFile(tmp, bundle.AuthorizedKey(pub, comment), 0o644); err != nil {
		return fmt.Errorf("write public key: %w", err)
	}
	if err := os.Rename(tmp, out+".pub"); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write public key: %w", err)
	}
	return nil
}

func report(e *cli.Env, out string, m *bundle.Manifest, pub ssh.PublicKey, oneTime bool) {
	var n int64
	for _, mem := range m.Members {
		n += mem.Size
	}
	fp := bundle.Fingerprint(pub)
	fmt.Fprintf(e.Stderr, "%s: wrote %s: %d members, %d bytes of evidence, %d gaps, signed by %s\n",
		e.Prog, out, len(m.Members), n, len(m.Gaps), fp)
	if oneTime {
		fmt.Fprintf(e.Stderr, "%s: signed with a one-time key %s; its public key is %s.pub\n", e.Prog, fp, out)
		e.Hintf("give the auditor the fingerprint %s by a separate channel; they check it with 'ssh-keygen -lf %s.pub' and verify with 'kubeproof verify --trusted-key %s.pub %s'", fp, out, out, out)
	}
}

// parseArgs parses a subcommand's flags. It prints the help (with the example) or a usage
// error with a hint, and reports ok=false with the exit code when the command must stop.
func parseArgs(e *cli.Env, fs *pflag.FlagSet, name, example string) (int, bool) {
	if err := fs.Parse(e.Args); err != nil {
		if err == pflag.ErrHelp {
			fmt.Fprintf(e.Stdout, "Usage: %s %s [flags] -o OUT.tar.zst\n\n%s\nFlags:\n%s", e.Prog, name, example, fs.FlagUsages())
			return cli.ExitOK, false
		}
		e.Errorf("%v", err)
		e.Hintf("run '%s %s --help' for the flags", e.Prog, name)
		return cli.ExitUsage, false
	}
	if fs.NArg() > 0 {
		e.Errorf("unexpected argument %q", fs.Arg(0))
		e.Hintf("run '%s %s --help' for the flags", e.Prog, name)
		return cli.ExitUsage, false
	}
	return cli.ExitOK, true
}
