package vectors

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/kubeproof/kubeproof/bundle"
)

// Format returns the NAME.expect text of e.
func (e Expect) Format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", e.Comment)
	if e.OK {
		b.WriteString("expect: ok\n")
	} else {
		b.WriteString("expect: fail\n")
	}
	fmt.Fprintf(&b, "trust: %s\n", e.Trust)
	if e.Limits != "" {
		fmt.Fprintf(&b, "limits: %s\n", e.Limits)
	}
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "problem: %q %s\n", p.Member, p.Reason)
	}
	return b.String()
}

// ParseExpect parses a NAME.expect file.
func ParseExpect(text string) (Expect, error) {
	var e Expect
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if c, ok := strings.CutPrefix(line, "# "); ok {
			e.Comment = c
			continue
		}
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			return e, fmt.Errorf("line %d: want KEY: VALUE", n)
		}
		if err := e.set(key, val); err != nil {
			return e, fmt.Errorf("line %d: %w", n, err)
		}
	}
	return e, nil
}

func (e *Expect) set(key, val string) error {
	switch key {
	case "expect":
		e.OK = val == "ok"
	case "trust":
		e.Trust = val
	case "limits":
		e.Limits = val
	case "problem":
		q, err := strconv.QuotedPrefix(val)
		if err != nil {
			return fmt.Errorf("problem: member must be quoted: %w", err)
		}
		m, _ := strconv.Unquote(q)
		e.Problems = append(e.Problems, Problem{Member: m, Reason: strings.TrimSpace(val[len(q):])})
	default:
		return fmt.Errorf("unknown key %q", key)
	}
	return nil
}

// ParseLimits turns "max-members=2,max-member-size=10" into Limits.
func ParseLimits(s string) (bundle.Limits, error) {
	var l bundle.Limits
	if s == "" {
		return l, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return l, fmt.Errorf("limit %q: %w", kv, err)
		}
		switch k {
		case "max-members":
			l.MaxMembers = int(n)
		case "max-manifest-size":
			l.MaxManifestSize = n
		case "max-member-size":
			l.MaxMemberSize = n
		case "max-total-size":
			l.MaxTotalSize = n
		case "max-json-depth":
			l.MaxJSONDepth = int(n)
		default:
			return l, fmt.Errorf("unknown limit %q", k)
		}
	}
	return l, nil
}
