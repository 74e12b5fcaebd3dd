// Package view holds what the XLSX and PDF reports share: how a status, a target, an object,
// a framework and the verification result are shown, the sections in report order and the
// evidence members in use. It derives everything from a *result.Report and never changes it.
package view

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubeproof/kubeproof/internal/result"
)

// Time parses the report time r.GeneratedAt, the only clock the reports use.
func Time(r *result.Report) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, r.GeneratedAt)
	if err != nil {
		return time.Time{}, fmt.Errorf("report generated_at %q is not an RFC 3339 time (hint: the analyzer sets it from the newest bundle or --report-time): %w", r.GeneratedAt, err)
	}
	return t.UTC(), nil
}

// Check rejects a report the writers cannot render.
func Check(r *result.Report) error {
	if r == nil {
		return fmt.Errorf("no report to render (nil *result.Report)")
	}
	_, err := Time(r)
	return err
}

// StatusLabel is the human form of a status ("NOT_APPLICABLE" → "Not applicable").
func StatusLabel(s string) string {
	switch s {
	case result.NotApplicable:
		return "Not applicable"
	case result.NoEvidence:
		return "No evidence"
	case "":
		return ""
	}
	return s[:1] + strings.ToLower(strings.ReplaceAll(s[1:], "_", " "))
}

// RGB is a colour.
type RGB struct{ R, G, B int }

// Hex is the colour as "RRGGBB".
func (c RGB) Hex() string { return fmt.Sprintf("%02X%02X%02X", c.R, c.G, c.B) }

// StatusColor is the fill colour of a status (print-friendly, readable with black text).
func StatusColor(s string) RGB {
	switch s {
	case result.Pass, "evidence-passes":
		return RGB{0xC6, 0xEF, 0xCE}
	case result.Fail, "evidence-fails":
		return RGB{0xF4, 0xB6, 0xB0}
	case result.Error:
		return RGB{0xE6, 0x9D, 0xD8}
	case result.NoEvidence, "no-evidence":
		return RGB{0xFF, 0xD9, 0x9A}
	case result.Manual, "manual-only":
		return RGB{0xBD, 0xD7, 0xEE}
	case result.Waived:
		return RGB{0xE4, 0xDF, 0xEC}
	case "partial":
		return RGB{0xFF, 0xF2, 0xA8}
	}
	return RGB{0xE7, 0xE7, 0xE7}
}

// ChartColor is the stronger colour used for a status in charts.
func ChartColor(s string) RGB {
	switch s {
	case result.Pass:
		return RGB{0x3A, 0x9D, 0x5D}
	case result.Fail:
		return RGB{0xC8, 0x3A, 0x2E}
	case result.Error:
		return RGB{0x9C, 0x3D, 0x9A}
	case result.NoEvidence:
		return RGB{0xE0, 0x8E, 0x1B}
	case result.Manual:
		return RGB{0x3C, 0x78, 0xB5}
	case result.Waived:
		return RGB{0x80, 0x6C, 0xA8}
	}
	return RGB{0x9A, 0x9A, 0x9A}
}

// Object is "Kind namespace/name" or "Kind name".
func Object(o *result.ObjectRef) string {
	if o == nil {
		return ""
	}
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// Target names what a target looked at: "cp-1 · kube-apiserver", a file on a node, an object,
// or "cluster".
func Target(t result.Target) string {
	var parts []string
	for _, p := range []string{t.Node, t.Component, t.File, Object(t.Object)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "cluster"
	}
	return strings.Join(parts, " · ")
}

// CompareIDs orders dotted rule and section ids numerically ("1.2.9" < "1.2.10").
func CompareIDs(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		switch {
		case errx == nil && erry == nil && x != y:
			return x - y
		case (errx != nil || erry != nil) && as[i] != bs[i]:
			return strings.Compare(as[i], bs[i])
		}
	}
	return len(as) - len(bs)
}

// SortedKeys returns a map's keys in id order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return CompareIDs(keys[i], keys[j]) < 0 })
	return keys
}

// Count is n with thousands separators: 100000 → "100,000".
func Count(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + Count(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Truncate shortens s to at most n runes, marking the cut with "…".
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ShortHash is the first 12 hex digits of a sha256, for narrow columns.
func ShortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Selector renders a waiver selector as "k=v, k=v" in key order.
func Selector(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = k + "=" + m[k]
	}
	return strings.Join(keys, ", ")
}
