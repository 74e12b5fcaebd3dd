// Package result is the analysis result: the values that `kubeproof analyze` computes and
// that every report format renders. It is the in-memory form of report.json
// (schema kubeproof.dev/report/v1, docs/report-json.md) and imports only the standard library,
// so that reports depend on it and on nothing analysis-side.
//
// Marshalling a Report with encoding/json gives report.json; every slice is kept in a
// defined order by its producer so that the same inputs give byte-identical output.
package result

// Schema is the value of Report.Schema.
const Schema = "kubeproof.dev/report/v1"

// Statuses, per target and rolled up per rule (architecture.md §4).
const (
	Pass          = "PASS"
	Fail          = "FAIL"
	Manual        = "MANUAL"
	NotApplicable = "NOT_APPLICABLE"
	NoEvidence    = "NO_EVIDENCE"
	Error         = "ERROR"
	Waived        = "WAIVED"
)

// Statuses lists every status in report order (most severe first for display).
var Statuses = []string{Fail, Error, NoEvidence, Manual, Waived, NotApplicable, Pass}

// Sources of a value that decided a verdict.
const (
	SourceFlag           = "flag"
	SourceDropIn         = "drop-in"
	SourceConfigFile     = "config-file"
	SourceEnv            = "env"
	SourceDefault        = "default"
	SourceStaticManifest = "static-manifest"
	SourceAPI            = "api"
	SourceFile           = "file"
)

// Report is the whole analysis result.
type Report struct {
	Schema      string `json:"schema"`
	ReportID    string `json:"report_id"`    // stable: derived from the input bundles' hashes and options
	GeneratedAt string `json:"generated_at"` // RFC 3339 UTC: the newest bundle's creation time, or --report-time
	Tool        Tool   `json:"tool"`
	Benchmark   string `json:"benchmark"` // e.g. "cis-1.12"
	// BenchmarkReason says how the benchmark was chosen ("--benchmark", "server version v1.33.2").
	BenchmarkReason string       `json:"benchmark_reason,omitempty"`
	Profile         string       `json:"profile"`
	ProfileTitle    string       `json:"profile_title,omitempty"`
	Verified        bool         `json:"verified"` // every bundle's signature and hashes verified
	Cluster         Cluster      `json:"cluster"`
	Nodes           []Node       `json:"nodes"`
	Bundles         []Bundle     `json:"bundles"`
	Summary         Summary      `json:"summary"`
	Results         []RuleResult `json:"results"`
	// Frameworks maps a framework key (nist-800-53-r5, pci-dss-4.0.1, soc2-2017) to its
	// control roll-ups, in catalog order.
	Frameworks map[string][]ControlRollup `json:"frameworks"`
	// FrameworkInfo describes each framework key (name, version) in key order.
	FrameworkInfo []Framework `json:"framework_info,omitempty"`
	Mapping       MappingInfo `json:"mapping"`
	Waivers       Waivers     `json:"waivers"`
	// Warnings are assessment-level observations: nodes listed by the cluster bundle that no
	// node bundle covers, nodes whose settings disagree, unverified evidence, …
	Warnings []string `json:"warnings,omitempty"`
}

// Tool identifies the analyzer and its rule set.
type Tool struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	RulesetVersion string `json:"ruleset_version"`
}

// Cluster identifies the assessed cluster.
type Cluster struct {
	Name          string `json:"name,omitempty"` // kubeconfig context / cluster name as collected, if any
	KubeSystemUID string `json:"kube_system_uid,omitempty"`
	ServerVersion string `json:"server_version,omitempty"`
}

// Node is one node of the assessment.
type Node struct {
	Name string `json:"name"`
	// Roles as seen in the evidence: "control-plane", "etcd", "worker".
	Roles []string `json:"roles,omitempty"`
	// Bundle is the file name of the node bundle that covers it; "" when none does.
	Bundle       string `json:"bundle,omitempty"`
	InCluster    bool   `json:"in_cluster"` // listed by the cluster bundle's Node objects
	Distribution string `json:"distribution,omitempty"`
}

// Bundle is the chain-of-custody record of one input bundle.
type Bundle struct {
	File        string    `json:"file"`   // base name as given on the command line
	SHA256      string    `json:"sha256"` // of the whole .tar.zst file
	Scope       string    `json:"scope"`  // node | cluster
	Node        string    `json:"node,omitempty"`
	ClusterUID  string    `json:"cluster_uid,omitempty"`
	Signer      string    `json:"signer"` // SHA256:… fingerprint of the signing key
	Verified    bool      `json:"verified"`
	CollectedAt string    `json:"collected_at"`
	Collector   Collector `json:"collector"`
	Members     int       `json:"members"`
	Bytes       int64     `json:"bytes"` // uncompressed evidence bytes
	Gaps        []Gap     `json:"gaps,omitempty"`
}

// Collector names the program that made a bundle.
type Collector struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
}

// Gap is a recorded collection gap (copied from the bundle manifest).
type Gap struct {
	Item       string `json:"item"`
	Kind       string `json:"kind"`
	Reason     string `json:"reason"`
	HTTPStatus int    `json:"http_status,omitempty"`
}

// Summary holds counts for the executive view.
type Summary struct {
	Rules     int                       `json:"rules"`
	ByStatus  map[string]int            `json:"by_status"`  // rule-level status → count
	BySection map[string]map[string]int `json:"by_section"` // "1.2" → status → count
	Automated int                       `json:"automated"`
	ManualRec int                       `json:"manual"`
}

// RuleResult is one recommendation's verdict, rolled up over its targets.
type RuleResult struct {
	RuleID       string `json:"rule_id"`
	Title        string `json:"title"`
	Section      string `json:"section"`       // "1.2"
	SectionTitle string `json:"section_title"` // our words
	Level        string `json:"level"`         // L1 | L2
	Assessment   string `json:"assessment"`    // Automated | Manual
	Scope        string `json:"scope"`         // component | file | node | cluster | object | manual
	Status       string `json:"status"`
	// Reason explains a NOT_APPLICABLE, NO_EVIDENCE, MANUAL or ERROR rule-level status.
	Reason      string `json:"reason,omitempty"`
	Expected    string `json:"expected"` // the condition for PASS, in words
	Remediation string `json:"remediation"`
	// Counts is status → number of targets evaluated (all targets, including those not listed).
	Counts map[string]int `json:"counts"`
	// CountSummary is a sentence such as "FAIL on 2 of 5 nodes" or "3 of 412 pods fail".
	CountSummary string   `json:"count_summary,omitempty"`
	Targets      []Target `json:"targets"`
	// TargetsOmitted counts passing object targets not listed (object scope lists only
	// non-passing objects; Counts still has them all).
	TargetsOmitted int `json:"targets_omitted,omitempty"`
	// ObjectKinds lists, sorted, the kinds of all objects an object rule evaluated (listed
	// or omitted), so the count sentence can name them; empty when not known.
	ObjectKinds []string            `json:"object_kinds,omitempty"`
	Controls    map[string][]string `json:"controls"` // framework key → control ids
}

// Target is the verdict for one thing a rule looked at: a component on a node, a file, a node,
// an API object, or the cluster.
type Target struct {
	Node      string     `json:"node"`
	Component string     `json:"component"`
	Object    *ObjectRef `json:"object"`
	File      string     `json:"file,omitempty"` // host path, file scope
	Status    string     `json:"status"`
	// Underlying is the status a waiver replaced (WAIVED targets only).
	Underlying string `json:"underlying_status,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Actual     string `json:"actual"`
	Source     string `json:"source"`
	Message    string `json:"message,omitempty"`
	// Note explains where a defaulted value comes from (the documented default and its source).
	Note     string         `json:"note,omitempty"`
	Evidence []EvidenceRef  `json:"evidence"`
	Waiver   *AppliedWaiver `json:"waiver,omitempty"`
}

// ObjectRef names an API object.
type ObjectRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// EvidenceRef points at the bundle member a verdict rests on.
type EvidenceRef struct {
	Bundle string `json:"bundle"` // bundle file name
	Member string `json:"member"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size,omitempty"`
}

// AppliedWaiver is the waiver that turned a target WAIVED.
type AppliedWaiver struct {
	ID            string `json:"id"`
	Category      string `json:"category"` // false-positive | not-applicable | risk-accepted
	Justification string `json:"justification"`
	Approver      string `json:"approver"`
	Expires       string `json:"expires"` // YYYY-MM-DD
}

// Waivers lists what the waiver file did.
type Waivers struct {
	File    string         `json:"file,omitempty"`
	Applied []WaiverUse    `json:"applied"`
	Expired []WaiverRecord `json:"expired"`
	Unused  []WaiverRecord `json:"unused"`
}

// WaiverRecord is one waiver as written in the waiver file.
type WaiverRecord struct {
	AppliedWaiver
	RuleID   string            `json:"rule_id"`
	Selector map[string]string `json:"selector,omitempty"`
	Line     int               `json:"line"`
}

// WaiverUse is a waiver and the targets it matched.
type WaiverUse struct {
	WaiverRecord
	Targets int `json:"targets"`
}

// Framework describes one framework of the mapping.
type Framework struct {
	Key     string `json:"key"`     // nist-800-53-r5
	Name    string `json:"name"`    // NIST SP 800-53
	Version string `json:"version"` // Rev. 5.1.1
}

// MappingInfo says which crosswalk produced the controls.
type MappingInfo struct {
	Builtin   string   `json:"builtin"`              // version of the built-in mapping
	UserFiles []string `json:"user_files,omitempty"` // --mapping files, in order
}

// ControlRollup is what our evidence says about one framework control.
type ControlRollup struct {
	Control string `json:"control"`
	Title   string `json:"title"`
	// Status is the evidence status: see docs/mapping.md (e.g. "evidence-fails",
	// "evidence-passes", "partial", "manual-only", "no-evidence", "not-assessed").
	Status string         `json:"status"`
	Counts map[string]int `json:"counts"`
	Rules  []ControlRule  `json:"rules"`
}

// ControlRule is one rule supporting a control.
type ControlRule struct {
	RuleID   string `json:"rule_id"`
	Status   string `json:"status"`
	Relation string `json:"relation"` // supports | partially-supports
}
