package node

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/kubeproof/kubeproof/evidence"
)

// Redacted replaces every withheld value in a bundle.
const Redacted = "[redacted]"

// Redaction reasons (recorded in evidence.Redaction.Reason).
const (
	reasonSecretName   = "secret-like name: value withheld"
	reasonPrivateKey   = "private key material: never collected"
	reasonKeyFile      = "private key file: content never read"
	reasonSecretFile   = "token or password file: content never read"
	reasonURLPassword  = "password in URL withheld"
	reasonEnvNotAllow  = "environment variable outside KUBELET_*/KUBE_*/ETCD_*/K3S_*/RKE2_*: value withheld"
	reasonAuthProvider = "kubeconfig auth-provider config: value withheld"
	reasonExecEnv      = "kubeconfig exec plugin env: value withheld"
)

// secretWords are parts of a key or flag name that mark its value as secret. Names are
// lowercased and "_" becomes "-" before matching.
var secretWords = []string{
	"secret", "password", "passwd", "token", "key-data", "keydata", "privatekey", "private-key",
	"apikey", "api-key", "accesskey", "access-key", "credential", "bearer", "passphrase",
}

// secretName reports whether a key, flag or variable name marks its value as secret.
func secretName(name string) bool {
	n := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// looksLikePath reports whether a value is a file path rather than a secret: the value of
// "tokenFile" or "--token-auth-file" is kept.
func looksLikePath(v string) bool {
	return strings.HasPrefix(v, "/") && !strings.ContainsAny(v, " \t\n")
}

// secretValue reports whether the value under name must be withheld.
// Booleans are kept ("--enable-bootstrap-token-auth=true" says how, not what).
func secretValue(name, value string) bool {
	switch strings.ToLower(value) {
	case "", "true", "false", Redacted:
		return false
	}
	return secretName(name) && !looksLikePath(value)
}

// hasPrivateKey reports whether s holds PEM private key material.
func hasPrivateKey(s string) bool {
	return strings.Contains(s, "PRIVATE KEY-----") || strings.Contains(s, "BEGIN OPENSSH PRIVATE KEY")
}

var urlPassword = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:[^/\s@]*@`)

// scrubURLs replaces the password of every scheme://user:password@host in s.
func scrubURLs(s string) (string, bool) {
	if !urlPassword.MatchString(s) {
		return s, false
	}
	out := urlPassword.ReplaceAllStringFunc(s, func(m string) string {
		u, err := url.Parse(m + "x")
		if err != nil || u.User == nil {
			return strings.SplitN(m, "://", 2)[0] + "://" + Redacted + "@"
		}
		return u.Scheme + "://" + u.User.Username() + ":" + Redacted + "@"
	})
	return out, true
}

// redactor collects redactions while a value is scrubbed.
type redactor struct {
	out []evidence.Redaction
}

func (r *redactor) add(field, reason string) {
	r.out = append(r.out, evidence.Redaction{Field: field, Reason: reason})
}

// scrubString withholds a string value by its key name or its content.
func (r *redactor) scrubString(ptr, key, s string) string {
	switch {
	case strings.Contains(s, Redacted):
		return s // withheld already (and recorded)
	case hasPrivateKey(s):
		r.add(ptr, reasonPrivateKey)
		return Redacted
	case secretValue(key, s):
		r.add(ptr, reasonSecretName)
		return Redacted
	}
	if out, ok := scrubURLs(s); ok {
		r.add(ptr, reasonURLPassword)
		s = out
	}
	// "oidc-client-secret=x" in a k3s/rke2 "*-arg" list, or "--token=x" as a list item
	if n, v, ok := strings.Cut(strings.TrimLeft(s, "-"), "="); ok {
		if nv, changed := redactFlagValue(key, s); changed {
			r.add(ptr, reasonSecretName)
			return nv
		}
		if (strings.HasPrefix(s, "-") || strings.HasSuffix(key, "-arg")) && secretValue(n, v) {
			r.add(ptr, reasonSecretName)
			return s[:len(s)-len(v)] + Redacted
		}
	}
	return s
}

// scrub walks a parsed JSON value and withholds secrets: values under secret-like keys
// (unless they are file paths), private key material anywhere, URL passwords, and the
// value of {name: SECRET_LIKE, value: …} pairs (container env).
func (r *redactor) scrub(ptr, key string, v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			t[k] = r.scrub(ptr+"/"+escapePtr(k), k, c)
		}
		if n, ok := t["name"].(string); ok && secretName(n) {
			if s, ok := t["value"].(string); ok && s != Redacted && s != "" && !looksLikePath(s) {
				t["value"] = Redacted
				r.add(ptr+"/value", reasonSecretName)
			}
		}
		return t
	case []any:
		for i, c := range t {
			t[i] = r.scrub(ptr+"/"+strconv.Itoa(i), key, c)
		}
		return t
	case string:
		return r.scrubString(ptr, key, t)
	default:
		if secretName(key) && t != nil {
			if _, isBool := t.(bool); !isBool {
				r.add(ptr, reasonSecretName)
				return Redacted
			}
		}
		return v
	}
}

func escapePtr(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// redactArgv withholds secret flag values in argv: "--token=x", "--token x", nested
// distribution forms ("--kube-apiserver-arg=oidc-client-secret=x") and URL passwords.
// base names the field in redactions ("argv").
func redactArgv(argv []string, base string) ([]string, []evidence.Redaction) {
	out := append([]string(nil), argv...)
	var r redactor
	for i := 0; i < len(out); i++ {
		tok := out[i]
		field := fmt.Sprintf("%s/%d", base, i)
		if s, ok := scrubURLs(tok); ok {
			out[i], tok = s, s
			r.add(field, reasonURLPassword)
		}
		if hasPrivateKey(tok) {
			out[i] = Redacted
			r.add(field, reasonPrivateKey)
			continue
		}
		if !strings.HasPrefix(tok, "-") {
			continue
		}
		name := strings.TrimLeft(tok, "-")
		if n, val, ok := strings.Cut(name, "="); ok {
			if nv, changed := redactFlagValue(n, val); changed {
				out[i] = tok[:len(tok)-len(name)] + n + "=" + nv
				r.add(field, reasonSecretName)
			}
			continue
		}
		if i+1 < len(out) && !strings.HasPrefix(out[i+1], "-") {
			if nv, changed := redactFlagValue(name, out[i+1]); changed {
				out[i+1] = nv
				r.add(fmt.Sprintf("%s/%d", base, i+1), reasonSecretName)
				i++
			}
		}
	}
	return out, r.out
}

// redactFlagValue withholds the value of a secret flag, or the inner value of a
// "name=value" argument passed through a distribution's *-arg flag.
func redactFlagValue(name, val string) (string, bool) {
	if secretValue(name, val) {
		return Redacted, true
	}
	if inner, iv, ok := strings.Cut(val, "="); ok && strings.HasSuffix(name, "-arg") && secretValue(inner, iv) {
		return inner + "=" + Redacted, true
	}
	return val, false
}

// redactFlags withholds secret values in parsed flags, the same way as redactArgv.
func redactFlags(flags []evidence.Flag, base string) []evidence.Redaction {
	var r redactor
	for i := range flags {
		f := &flags[i]
		if !f.HasValue {
			continue
		}
		field := fmt.Sprintf("%s/%d/value", base, i)
		if s, ok := scrubURLs(f.Value); ok {
			f.Value = s
			r.add(field, reasonURLPassword)
		}
		if hasPrivateKey(f.Value) {
			f.Value = Redacted
			r.add(field, reasonPrivateKey)
			continue
		}
		if nv, changed := redactFlagValue(f.Name, f.Value); changed {
			f.Value = nv
			r.add(field, reasonSecretName)
		}
	}
	return r.out
}

// envAllowed reports whether an environment variable's value may enter a bundle (from a
// unit file or env file): Kubernetes component variables only, and never secret-like names.
func envAllowed(name string) bool {
	for _, p := range []string{"KUBELET_", "KUBE_", "ETCD_", "K3S_", "RKE2_"} {
		if strings.HasPrefix(name, p) {
			return !secretName(name)
		}
	}
	return false
}
