package view

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubeproof/kubeproof/internal/result"
)

// Section is one benchmark section and its results in report order.
type Section struct {
	ID, Title string
	Results   []*result.RuleResult
}

// Sections groups r.Results by section, in the order the sections first appear.
func Sections(r *result.Report) []Section {
	var out []Section
	index := map[string]int{}
	for i := range r.Results {
		rr := &r.Results[i]
		j, ok := index[rr.Section]
		if !ok {
			j = len(out)
			index[rr.Section] = j
			out = append(out, Section{ID: rr.Section, Title: rr.SectionTitle})
		}
		out[j].Results = append(out[j].Results, rr)
	}
	return out
}

// Framework is a framework key with its display name and roll-ups.
type Framework struct {
	Key, Name, Version string
	Controls           []result.ControlRollup
}

// Title is "Name Version", or the key when the report does not describe the framework.
func (f Framework) Title() string {
	if f.Name == "" {
		return f.Key
	}
	return strings.TrimSpace(f.Name + " " + f.Version)
}

// Frameworks lists the report's frameworks: those described in r.FrameworkInfo in that order,
// then any other key of r.Frameworks in key order.
func Frameworks(r *result.Report) []Framework {
	var out []Framework
	seen := map[string]bool{}
	for _, fi := range r.FrameworkInfo {
		if seen[fi.Key] {
			continue
		}
		seen[fi.Key] = true
		out = append(out, Framework{Key: fi.Key, Name: fi.Name, Version: fi.Version, Controls: r.Frameworks[fi.Key]})
	}
	keys := make([]string, 0, len(r.Frameworks))
	for k := range r.Frameworks {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, Framework{Key: k, Controls: r.Frameworks[k]})
	}
	return out
}

// FrameworkShort is a short label for a framework key, for column headers.
func FrameworkShort(r *result.Report, key string) string {
	for _, f := range Frameworks(r) {
		if f.Key == key && f.Name != "" {
			return f.Name
		}
	}
	return key
}

// ControlKeys are the framework keys used by any result's controls, in framework order.
func ControlKeys(r *result.Report) []string {
	used := map[string]bool{}
	for _, rr := range r.Results {
		for k := range rr.Controls {
			used[k] = true
		}
	}
	var out []string
	for _, f := range Frameworks(r) {
		if used[f.Key] {
			out = append(out, f.Key)
			delete(used, f.Key)
		}
	}
	rest := make([]string, 0, len(used))
	for k := range used {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// Member is one bundle member that a verdict rests on.
type Member struct {
	result.EvidenceRef
	Rules int // how many rules cite it
}

// Evidence lists every distinct member referenced by a target, by bundle then path.
func Evidence(r *result.Report) []Member {
	type key struct{ bundle, member, sha string }
	idx := map[key]int{}
	var out []Member
	for _, rr := range r.Results {
		seen := map[int]bool{}
		for _, t := range rr.Targets {
			for _, e := range t.Evidence {
				k := key{e.Bundle, e.Member, e.SHA256}
				i, ok := idx[k]
				if !ok {
					i = len(out)
					idx[k] = i
					out = append(out, Member{EvidenceRef: e})
				}
				if !seen[i] {
					seen[i] = true
					out[i].Rules++
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Bundle != b.Bundle {
			return a.Bundle < b.Bundle
		}
		if a.Member != b.Member {
			return a.Member < b.Member
		}
		return a.SHA256 < b.SHA256
	})
	return out
}

// Verification is the one-line verification verdict shown on every report.
func Verification(r *result.Report) string {
	n, bad := len(r.Bundles), 0
	for _, b := range r.Bundles {
		if !b.Verified {
			bad++
		}
	}
	switch {
	case r.Verified && bad == 0:
		return fmt.Sprintf("VERIFIED EVIDENCE: the signature and every member hash of all %d bundles verified against trusted keys", n)
	case bad == 0:
		return fmt.Sprintf("UNVERIFIED EVIDENCE: the analysis was not run against trusted keys (%d bundles)", n)
	}
	return fmt.Sprintf("UNVERIFIED EVIDENCE: %d of %d bundles did not verify; findings may rest on altered evidence", bad, n)
}

// Stamp is "VERIFIED EVIDENCE" or "UNVERIFIED EVIDENCE".
func Stamp(r *result.Report) string {
	if r.Verified {
		for _, b := range r.Bundles {
			if !b.Verified {
				return "UNVERIFIED EVIDENCE"
			}
		}
		return "VERIFIED EVIDENCE"
	}
	return "UNVERIFIED EVIDENCE"
}

// ClusterName is the cluster's name, or its kube-system UID, or "(unnamed cluster)".
func ClusterName(r *result.Report) string {
	switch {
	case r.Cluster.Name != "":
		return r.Cluster.Name
	case r.Cluster.KubeSystemUID != "":
		return "cluster " + r.Cluster.KubeSystemUID
	}
	return "(unnamed cluster)"
}

// Scope describes what the assessment covered: "1 cluster bundle, 3 node bundles (cp-1, …)".
func Scope(r *result.Report) string {
	var cl, nodes int
	var names []string
	for _, b := range r.Bundles {
		if b.Scope == "cluster" {
			cl++
		} else {
			nodes++
			names = append(names, b.Node)
		}
	}
	s := fmt.Sprintf("%d cluster bundle%s, %d node bundle%s", cl, plural(cl), nodes, plural(nodes))
	if len(names) > 0 {
		s += " (" + strings.Join(names, ", ") + ")"
	}
	return s
}

// Profile is "name — title" or the name.
func Profile(r *result.Report) string {
	if r.ProfileTitle == "" {
		return r.Profile
	}
	return r.Profile + " — " + r.ProfileTitle
}

// Benchmark is the benchmark id and why it was chosen.
func Benchmark(r *result.Report) string {
	if r.BenchmarkReason == "" {
		return r.Benchmark
	}
	return r.Benchmark + " (chosen by " + r.BenchmarkReason + ")"
}

// Controls renders a result's controls as "NIST SP 800-53: AC-3, CM-6; PCI DSS: 2.2.1".
func Controls(r *result.Report, rr *result.RuleResult) string {
	var parts []string
	for _, k := range ControlKeys(r) {
		if ids := rr.Controls[k]; len(ids) > 0 {
			parts = append(parts, FrameworkShort(r, k)+": "+strings.Join(ids, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// StatusCounts renders counts as "FAIL 3, PASS 409" in status order.
func StatusCounts(c map[string]int) string {
	var parts []string
	for _, s := range orderedStatuses(c) {
		parts = append(parts, fmt.Sprintf("%s %s", s, Count(c[s])))
	}
	return strings.Join(parts, ", ")
}

func orderedStatuses(c map[string]int) []string {
	var out []string
	known := map[string]bool{}
	for _, s := range result.Statuses {
		known[s] = true
		if c[s] > 0 {
			out = append(out, s)
		}
	}
	var rest []string
	for s, n := range c {
		if !known[s] && n > 0 {
			rest = append(rest, s)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
