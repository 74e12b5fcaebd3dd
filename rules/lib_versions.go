package rules

import (
	"strconv"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
)

// versionsLib compares Kubernetes-style versions ("v1.33.2", "1.33", "v1.34.0-rc.1+k3s1").
//
//	semverAtLeast(v string, min string) -> bool
//	    v ≥ min comparing major, minor and patch numerically; missing parts count as 0, a
//	    leading "v" and anything after the numbers ("-rc.1", "+k3s1") are ignored. An
//	    unparsable v or min is an evaluation error (the rule reports ERROR).
//	    Example: semverAtLeast(cluster.server_version, "1.33")
//
// Durations use CEL's built-in duration(string), which takes Go duration syntax
// ("4h0m0s", "5m", "1h30m") and fails on anything else:
//
//	duration(get("streamingConnectionIdleTimeout")) <= duration("4h")
type versionsLib struct{}

func (versionsLib) CompileOptions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Function("semverAtLeast",
			cel.Overload("semverAtLeast_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(func(v, min ref.Val) ref.Val {
					a, ok1 := parseVersion(string(v.(types.String)))
					b, ok2 := parseVersion(string(min.(types.String)))
					if !ok1 || !ok2 {
						return types.NewErr("semverAtLeast: cannot parse version %q or %q", v, min)
					}
					return types.Bool(compareVersions(a, b) >= 0)
				}))),
	}
}

func (versionsLib) ProgramOptions() []cel.ProgramOption { return nil }

// parseVersion parses "v1.33.2-rc.1+meta" into [1, 33, 2].
func parseVersion(s string) ([3]int, bool) {
	var out [3]int
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if s == "" || len(parts) > 3 {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return out, false
		}
		out[i] = n
	}
	return out, true
}

func compareVersions(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// CompareVersions compares two Kubernetes versions like semverAtLeast does; ok is false
// when either does not parse.
func CompareVersions(a, b string) (cmp int, ok bool) {
	x, ok1 := parseVersion(a)
	y, ok2 := parseVersion(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	return compareVersions(x, y), true
}
