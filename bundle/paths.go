package bundle

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"
)

// checkMemberPath reports whether p is a canonical evidence member path
// (docs/bundle-format.md, "Member paths").
func checkMemberPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("invalid path: empty")
	case len(p) > maxPathLen:
		return fmt.Errorf("invalid path %q: longer than %d bytes", p[:64]+"…", maxPathLen)
	case !utf8.ValidString(p):
		return fmt.Errorf("invalid path %q: not UTF-8", p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("invalid path %q: absolute", p)
	case p == ManifestName || p == SignatureName:
		return fmt.Errorf("invalid path %q: reserved name", p)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == '\\' || r == '"' || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("invalid path %q: control character, backslash, double quote or line separator", p)
		}
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return fmt.Errorf("invalid path %q: \"..\" element", p)
		}
	}
	if path.Clean(p) != p {
		return fmt.Errorf("invalid path %q: not canonical (empty or \".\" element, or trailing slash)", p)
	}
	return nil
}
