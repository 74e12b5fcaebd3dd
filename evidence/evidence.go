// Package evidence is the schema of what a kubeproof bundle holds: host facts, component
// processes with their parsed flags, files (metadata and redacted, parsed content), API
// objects, and the gaps that record what could not be collected and why.
//
// It is the contract between the collectors (which write these values into bundle members)
// and the analyzer (which reads them back). It imports only the standard library.
// docs/evidence.md is the prose description of every member; keep the two in step.
package evidence

// Member paths. Every evidence member of a bundle lives under one of these prefixes.
const (
	// PathHost is the node bundle's host facts (Host).
	PathHost = "node/host.json"
	// PathProcesses is the node bundle's component processes and static-pod commands ([]Process).
	PathProcesses = "node/processes.json"
	// PrefixFiles holds one member per collected host file or directory (File):
	// node/files/<absolute host path without the leading slash>.json
	PrefixFiles = "node/files/"
	// PathClusterInfo is the cluster bundle's identity and version (ClusterInfo).
	PathClusterInfo = "cluster/info.json"
	// PathResources is the cluster bundle's inventory of API resources ([]Resource).
	PathResources = "cluster/resources.json"
	// PrefixObjects holds API objects as JSON lines, one member per LIST page:
	// cluster/objects/<group or "core">/<version>/<resource>/<page, 5 digits>.jsonl
	PrefixObjects = "cluster/objects/"
)

// FileMember returns the member path for the host file at absolute path p.
func FileMember(p string) string {
	for len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	return PrefixFiles + p + ".json"
}

// Host is the node bundle's host facts.
type Host struct {
	NodeName    string            `json:"node_name"`
	Hostname    string            `json:"hostname"`
	OSRelease   map[string]string `json:"os_release,omitempty"`
	Kernel      string            `json:"kernel,omitempty"`
	BootTime    string            `json:"boot_time,omitempty"` // RFC 3339, UTC
	CollectedAt string            `json:"collected_at"`        // RFC 3339, UTC
	// Distribution is the collector's guess of the node's Kubernetes distribution
	// (kubeadm, k3s, rke2, microk8s, unknown), with the reason in DistributionHint.
	Distribution     string `json:"distribution,omitempty"`
	DistributionHint string `json:"distribution_hint,omitempty"`
}

// Process sources.
const (
	SourceProc           = "proc"            // a running process read from /proc
	SourceStaticManifest = "static-manifest" // a container command in a static pod manifest
	SourceSystemdUnit    = "systemd-unit"    // an ExecStart line of a systemd unit
)

// Process is one Kubernetes component as found on the node: a running process or a
// container command from a static pod manifest (so a control plane that is not running
// at collection time is still evidenced).
type Process struct {
	// Component is the canonical component name: kube-apiserver, kube-controller-manager,
	// kube-scheduler, etcd, kubelet, kube-proxy. A combined binary (k3s server, kubelite,
	// hyperkube) yields one Process per embedded component, with Binary naming it.
	Component string `json:"component"`
	Source    string `json:"source"`           // SourceProc, SourceStaticManifest, SourceSystemdUnit
	PID       int    `json:"pid,omitempty"`    // SourceProc only
	Exe       string `json:"exe,omitempty"`    // resolved /proc/PID/exe target, SourceProc only
	Binary    string `json:"binary,omitempty"` // e.g. "k3s server", "kubelite", "hyperkube kubelet"
	// Manifest is the host path of the static pod manifest or unit, for non-proc sources.
	Manifest  string   `json:"manifest,omitempty"`
	Container string   `json:"container,omitempty"`
	Argv      []string `json:"argv"`
	Flags     []Flag   `json:"flags"`
	// Env holds ETCD_* variables of an etcd process only, never any other environment.
	Env map[string]string `json:"env,omitempty"`
	// Redactions lists argv values withheld from the bundle (e.g. a --token=… flag).
	Redactions []Redaction `json:"redactions,omitempty"`
}

// Flag is one parsed command-line flag, in argv order; repeated flags appear repeatedly.
type Flag struct {
	Name     string `json:"name"`      // without leading dashes: "anonymous-auth", "v"
	Value    string `json:"value"`     // "" for a bare boolean
	HasValue bool   `json:"has_value"` // false for a bare boolean flag (--profiling)
}

// File types.
const (
	TypeFile    = "file"
	TypeDir     = "dir"
	TypeSymlink = "symlink"
	TypeOther   = "other"
)

// File is the evidence for one host path.
type File struct {
	Path string `json:"path"` // absolute host path (inside --host-root)
	// Roles says why the file was collected: "kubelet.config", "kube-apiserver.flag:client-ca-file",
	// "wellknown:kubeadm:admin.conf", … (see docs/evidence.md).
	Roles  []string `json:"roles,omitempty"`
	Exists bool     `json:"exists"`
	Type   string   `json:"type,omitempty"`
	Mode   uint32   `json:"mode"` // permission bits only, e.g. 0o600 = 384
	UID    int      `json:"uid"`
	GID    int      `json:"gid"`
	Owner  string   `json:"owner,omitempty"` // resolved from the host root's /etc/passwd
	Group  string   `json:"group,omitempty"` // resolved from the host root's /etc/group
	Size   int64    `json:"size"`
	// SHA256 of the file content, when the content was read (never for secret files).
	SHA256     string `json:"sha256,omitempty"`
	LinkTarget string `json:"link_target,omitempty"`
	// Format of Content: kubeconfig, kubelet-config, kube-proxy-config, encryption-config,
	// audit-policy, admission-config, pod-manifest, systemd-unit, env-file, args-file,
	// pem-certificate, yaml, json, or "" when content was not read (docs/evidence.md).
	Format string `json:"format,omitempty"`
	// Content is the parsed, redacted content (JSON-compatible values).
	Content any `json:"content,omitempty"`
	// Entries lists a directory's children (names only), sorted.
	Entries []string `json:"entries,omitempty"`
	// Redactions says what was withheld and why.
	Redactions []Redaction `json:"redactions,omitempty"`
	// Error is set when the file exists but could not be fully read; a Gap is recorded too.
	Error string `json:"error,omitempty"`
}

// Redaction records one withheld value: where it was (a JSON-pointer-like path inside the
// content, or "content" for a whole file) and why.
type Redaction struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ClusterInfo identifies the cluster a cluster bundle was collected from.
type ClusterInfo struct {
	KubeSystemUID string `json:"kube_system_uid"`
	ServerVersion string `json:"server_version"` // gitVersion from /version, e.g. v1.37.1
	Host          string `json:"host,omitempty"` // API server URL as the collector saw it
	Context       string `json:"context,omitempty"`
	CollectedAt   string `json:"collected_at"`
}

// Resource is one API resource kind the collector tried to list.
type Resource struct {
	Group      string   `json:"group"` // "" for the core group
	Version    string   `json:"version"`
	Resource   string   `json:"resource"` // plural, e.g. "pods"
	Kind       string   `json:"kind"`
	Namespaced bool     `json:"namespaced"`
	Served     bool     `json:"served"`            // false: the cluster does not serve it (absent, not an error)
	Complete   bool     `json:"complete"`          // every page was collected
	MetaOnly   bool     `json:"meta_only"`         // only metadata was collected (Secrets)
	Count      int      `json:"count"`             // objects collected
	Members    []string `json:"members,omitempty"` // the object members, in order
	// Redacted counts the container env values replaced by "[redacted]" (plain-text env
	// values may hold secrets); names and valueFrom are kept.
	Redacted int `json:"redacted,omitempty"`
}

// Gap kinds.
const (
	GapNotFound         = "not-found"
	GapPermissionDenied = "permission-denied"
	GapForbidden        = "forbidden"
	GapTimeout          = "timeout"
	GapTooLarge         = "too-large"
	GapVanished         = "vanished"
	GapUnreadable       = "unreadable"
	GapParse            = "parse-error"
	GapError            = "error"
)

// Gap records something the collector tried to collect and could not.
type Gap struct {
	// Item names what was not collected: a host path ("/etc/kubernetes/admin.conf"),
	// a process ("pid 1234"), or an API resource ("apps/v1/deployments").
	Item       string `json:"item"`
	Kind       string `json:"kind"`
	Reason     string `json:"reason"`
	HTTPStatus int    `json:"http_status,omitempty"`
}
