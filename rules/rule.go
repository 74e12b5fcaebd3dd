// Package rules is kubeproof's rule engine: the rule format (docs/rules.md), the CEL
// environment every rule is compiled in (built once, with pinned extension libraries and
// kubeproof's own function libraries), the loader that reports problems at file:line:col,
// cost limits, evaluation of one rule on one input, and the runner for rule test files.
//
// Rules are immutable data: a loaded *Rule never changes, and evaluation returns a separate
// Verdict value. The analyzer (package analyze) decides which inputs a rule sees.
package rules

import (
	"fmt"
	"strings"

	"github.com/google/cel-go/cel"
)

// Scopes of a rule: what one target of the rule is.
const (
	ScopeComponent = "component" // a component's effective configuration on one node
	ScopeFile      = "file"      // one host file on one node
	ScopeNode      = "node"      // one node
	ScopeObject    = "object"    // one API object
	ScopeCluster   = "cluster"   // the cluster as a whole (precomputed aggregates)
	ScopeManual    = "manual"    // no check: a human decides
)

// Components whose effective configuration the analyzer resolves.
var Components = []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "kubelet", "kube-proxy"}

// Rule is one recommendation, as loaded from its YAML file. Treat it as read-only.
type Rule struct {
	ID           string    `yaml:"id"`
	Benchmarks   []string  `yaml:"benchmarks"`
	Section      string    `yaml:"section"`
	SectionTitle string    `yaml:"section_title"`
	Title        string    `yaml:"title"`
	Level        string    `yaml:"level"`
	Assessment   string    `yaml:"assessment"`
	Scope        string    `yaml:"scope"`
	Component    string    `yaml:"component"`
	Inputs       []string  `yaml:"inputs"`
	Files        []FileSel `yaml:"files"`
	Resources    []string  `yaml:"resources"`
	Expect       string    `yaml:"expect"`
	Check        string    `yaml:"check"`
	Message      string    `yaml:"message"`
	ManualReason string    `yaml:"manual_reason"`
	Rationale    string    `yaml:"rationale"`
	Remediation  string    `yaml:"remediation"`

	// Path is the file the rule was loaded from (as given to the loader).
	Path string `yaml:"-"`

	check, message cel.Program
	estimate       uint64

	// fastCheck and fastMessage are compiled without runtime cost tracking. They are used
	// for an object whose JSON is at most fastBound bytes: the cost estimator proves that
	// no object that small can make an evaluation exceed PerEvalCostLimit (every list,
	// map and string inside it is at most that long), so tracking would only cost time.
	fastCheck, fastMessage cel.Program
	fastBound              int
}

// FileSel selects files for a file-scope rule: either the file named by a component's
// effective-config value ("kube-apiserver:audit-policy-file") or every file the collector
// tagged with a role ("kube-apiserver.manifest").
type FileSel struct {
	Setting string `yaml:"setting"`
	Role    string `yaml:"role"`
}

// SettingParts splits a Setting into component and effective-config key.
func (f FileSel) SettingParts() (component, key string) {
	c, k, _ := strings.Cut(f.Setting, ":")
	return c, k
}

// Automated reports whether the benchmark classifies the rule as automated.
func (r *Rule) Automated() bool { return strings.EqualFold(r.Assessment, "automated") }

// AssessmentTitle is "Automated" or "Manual", as reports show it.
func (r *Rule) AssessmentTitle() string {
	if r.Automated() {
		return "Automated"
	}
	return "Manual"
}

// InBenchmark reports whether the rule belongs to benchmark id b.
func (r *Rule) InBenchmark(b string) bool {
	for _, x := range r.Benchmarks {
		if x == b {
			return true
		}
	}
	return false
}

// EstimatedCost is the compile-time worst-case cost estimate of check plus message.
func (r *Rule) EstimatedCost() uint64 { return r.estimate }

// HasCheck reports whether the rule has a compiled check (every scope but manual).
func (r *Rule) HasCheck() bool { return r.check != nil }

func (r *Rule) String() string { return fmt.Sprintf("rule %s (%s)", r.ID, r.Path) }
