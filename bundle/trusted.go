package bundle

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
)

// TrustedKeys is the set of public keys whose bundle signatures are accepted.
type TrustedKeys struct {
	keys []trustedKey
}

type trustedKey struct {
	pub        ssh.PublicKey
	principals string   // allowed_signers principals, "" for a plain public key file
	namespaces []string // namespaces="…" patterns; nil means any
	source     string   // FILE:LINE
}

// LoadTrustedKeys reads OpenSSH public key files ("ssh-ed25519 AAAA… comment", one or more
// lines) and allowed_signers files ("principals [namespaces=\"…\"] ssh-ed25519 AAAA…", see
// ssh-keygen(1)). A namespaces= option restricts a key to the listed namespace patterns;
// other options are refused rather than silently ignored.
func LoadTrustedKeys(paths ...string) (*TrustedKeys, error) {
	t := &TrustedKeys{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read trusted key file: %w", err)
		}
		if err := t.add(p, b); err != nil {
			return nil, err
		}
	}
	if len(t.keys) == 0 {
		return nil, fmt.Errorf("no public keys in %s", strings.Join(quoteAll(paths), ", "))
	}
	return t, nil
}

// ParseTrustedKeys is LoadTrustedKeys on bytes already read; name is used in errors.
func ParseTrustedKeys(name string, b []byte) (*TrustedKeys, error) {
	t := &TrustedKeys{}
	if err := t.add(name, b); err != nil {
		return nil, err
	}
	if len(t.keys) == 0 {
		return nil, fmt.Errorf("no public keys in %q", name)
	}
	return t, nil
}

// Len returns the number of trusted keys.
func (t *TrustedKeys) Len() int { return len(t.keys) }

func (t *TrustedKeys) add(name string, b []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.Contains(line, "PRIVATE KEY-----") {
			return fmt.Errorf("%s:%d: this is a private key; trust its public half (the .pub file) instead", name, n)
		}
		k, err := parseTrustedLine(line)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
		k.source = fmt.Sprintf("%s:%d", name, n)
		t.keys = append(t.keys, k)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %q: %w", name, err)
	}
	return nil
}

// parseTrustedLine parses a public key line or an allowed_signers line.
func parseTrustedLine(line string) (trustedKey, error) {
	f := fields(line)
	if pub, err := parseKeyFields(f); err == nil {
		return trustedKey{pub: pub}, nil
	}
	if len(f) < 3 {
		return trustedKey{}, fmt.Errorf("not an OpenSSH public key or allowed_signers line")
	}
	k := trustedKey{principals: f[0]}
	rest := f[1:]
	if _, err := parseKeyFields(rest); err != nil {
		ns, err := parseOptions(rest[0])
		if err != nil {
			return trustedKey{}, err
		}
		k.namespaces, rest = ns, rest[1:]
	}
	pub, err := parseKeyFields(rest)
	if err != nil {
		return trustedKey{}, fmt.Errorf("allowed_signers line: %w", err)
	}
	k.pub = pub
	return k, nil
}

// parseKeyFields parses "TYPE BASE64 [comment…]".
func parseKeyFields(f []string) (ssh.PublicKey, error) {
	if len(f) < 2 {
		return nil, fmt.Errorf("missing key type or key data")
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		return nil, fmt.Errorf("key data is not base64: %w", err)
	}
	pub, err := ssh.ParsePublicKey(blob)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	if pub.Type() != f[0] {
		return nil, fmt.Errorf("key type %q does not match key data %q", f[0], pub.Type())
	}
	return pub, checkKeyType(pub)
}

// parseOptions parses an allowed_signers option list; only namespaces="…" is supported.
func parseOptions(s string) ([]string, error) {
	var ns []string
	for _, opt := range splitOutsideQuotes(s, ',') {
		name, val, _ := strings.Cut(opt, "=")
		if !strings.EqualFold(name, "namespaces") {
			return nil, fmt.Errorf("unsupported allowed_signers option %q (kubeproof supports only namespaces=)", opt)
		}
		ns = append(ns, splitOutsideQuotes(strings.Trim(val, `"`), ',')...)
	}
	return ns, nil
}

// allows reports whether k may sign in namespace ns.
func (k trustedKey) allows(ns string) bool {
	if k.namespaces == nil {
		return true
	}
	for _, pat := range k.namespaces {
		if matchPattern(pat, ns) {
			return true
		}
	}
	return false
}

// fields splits on white space outside double quotes.
func fields(s string) []string {
	var out []string
	var cur strings.Builder
	inQ := false
	for _, r := range s {
		switch {
		case r == '"':
			inQ = !inQ
			cur.WriteRune(r)
		case !inQ && (r == ' ' || r == '\t'):
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func splitOutsideQuotes(s string, sep rune) []string {
	var out []string
	start, inQ := 0, false
	for i, r := range s {
		switch {
		case r == '"':
			inQ = !inQ
		case r == sep && !inQ:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// matchPattern matches s against an OpenSSH pattern: "*" any run of characters (including
// "/"), "?" any one character; a leading "!" negates.
func matchPattern(pat, s string) bool {
	if neg, ok := strings.CutPrefix(pat, "!"); ok {
		return !matchPattern(neg, s)
	}
	for len(pat) > 0 {
		switch pat[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if matchPattern(pat[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pat, s = pat[1:], s[1:]
		default:
			if s == "" || pat[0] != s[0] {
				return false
			}
			pat, s = pat[1:], s[1:]
		}
	}
	return s == ""
}
