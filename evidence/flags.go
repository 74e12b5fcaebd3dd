package evidence

import "strings"

// ParseFlags parses a Kubernetes component's command line into flags, exactly and in order.
// The collector and the analyzer share it so that both read argv the same way.
//
// argv may include the program name: tokens that are not flags (the program name, a
// subcommand such as "server", stray positionals) are skipped. The rules, in the order
// they apply to each token:
//
//   - "--" ends the flags; everything after it is positional.
//   - "-" alone is positional.
//   - "--name=value" and "-name=value": the value is everything after the first "=",
//     so it may itself hold "=" (--feature-gates=A=true,B=false) or spaces.
//   - "--name" or "-name" followed by a token that does not start with "-": that token is
//     the value (pflag's "--name value" form for non-boolean flags). We cannot know a
//     flag's type from argv alone, so a boolean flag followed by a positional would be
//     read as taking it as its value; Kubernetes components take no positionals, so the
//     case does not arise for them. A following token that looks like a negative number
//     ("-1", "-0.5") is taken as the value too, as pflag does for numeric flags.
//   - otherwise "--name" is a bare flag (a boolean set to true): HasValue is false.
//
// Names are compared whole and never by substring: "--client-cert-auth" and
// "--peer-client-cert-auth" are different flags. A repeated flag appears once per
// occurrence, in argv order (for scalar flags the last one wins, as in pflag).
// Malformed tokens with an empty name ("--=x", "---") are skipped.
func ParseFlags(argv []string) []Flag {
	flags := []Flag{}
	for i := 0; i < len(argv); i++ {
		tok := argv[i]
		if tok == "--" {
			break
		}
		name, ok := flagName(tok)
		if !ok {
			continue
		}
		if n, v, found := strings.Cut(name, "="); found {
			if n != "" {
				flags = append(flags, Flag{Name: n, Value: v, HasValue: true})
			}
			continue
		}
		if i+1 < len(argv) && takesAsValue(argv[i+1]) {
			flags = append(flags, Flag{Name: name, Value: argv[i+1], HasValue: true})
			i++
			continue
		}
		flags = append(flags, Flag{Name: name})
	}
	return flags
}

// flagName strips one or two leading dashes; ok is false for a positional token or an
// empty name.
func flagName(tok string) (string, bool) {
	switch {
	case strings.HasPrefix(tok, "--"):
		tok = tok[2:]
	case strings.HasPrefix(tok, "-") && !isNegativeNumber(tok):
		tok = tok[1:]
	default:
		return "", false
	}
	if tok == "" || tok[0] == '=' || tok[0] == '-' {
		return "", false
	}
	return tok, true
}

// takesAsValue reports whether the token after a "--name" is that flag's value.
func takesAsValue(next string) bool {
	return next != "--" && (!strings.HasPrefix(next, "-") || next == "-" || isNegativeNumber(next))
}

// isNegativeNumber reports whether s is "-" followed by a decimal number ("-1", "-0.5").
func isNegativeNumber(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	digits, dots := 0, 0
	for _, c := range s[1:] {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// FlagValues returns the values of every occurrence of the flag name (without dashes), in
// argv order; a bare flag contributes "true".
func FlagValues(flags []Flag, name string) []string {
	var out []string
	for _, f := range flags {
		if f.Name != name {
			continue
		}
		if f.HasValue {
			out = append(out, f.Value)
		} else {
			out = append(out, "true")
		}
	}
	return out
}

// LastFlag returns the value of the last occurrence of the flag name (the one pflag keeps
// for a scalar flag) and whether it occurred; a bare flag gives "true".
func LastFlag(flags []Flag, name string) (string, bool) {
	v := FlagValues(flags, name)
	if len(v) == 0 {
		return "", false
	}
	return v[len(v)-1], true
}
