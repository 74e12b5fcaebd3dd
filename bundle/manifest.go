package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/kubeproof/kubeproof/evidence"
)

// Manifest is the content of manifest.json: what the bundle is and every member it holds.
type Manifest struct {
	Format    string    `json:"format"`
	Collector Collector `json:"collector"`
	CreatedAt string    `json:"created_at"` // RFC 3339, UTC, whole seconds
	Scope     string    `json:"scope"`      // ScopeNode or ScopeCluster
	Node      string    `json:"node,omitempty"`
	Cluster   *Cluster  `json:"cluster,omitempty"`
	// Members lists the evidence members in bundle order: sorted by path (byte order), unique.
	Members []Member       `json:"members"`
	Gaps    []evidence.Gap `json:"gaps"`
}

// Collector names the program that wrote the bundle.
type Collector struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Revision string `json:"revision"`
}

// Cluster identifies the cluster of a cluster-scope bundle.
type Cluster struct {
	Name          string `json:"name"`
	KubeSystemUID string `json:"kube_system_uid"`
	ServerVersion string `json:"server_version"`
}

// Member is one evidence member as the manifest declares it.
type Member struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // lowercase hex
}

// Scopes.
const (
	ScopeNode    = "node"
	ScopeCluster = "cluster"
)

// Time returns CreatedAt parsed, or the zero time if it does not parse.
func (m *Manifest) Time() time.Time {
	t, _ := time.Parse(time.RFC3339, m.CreatedAt)
	return t
}

// marshalManifest returns the canonical bytes of m: two-space indented JSON and a newline.
func marshalManifest(m *Manifest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// parseManifest decodes and validates manifest bytes under l.
func parseManifest(b []byte, l Limits) (*Manifest, error) {
	var m Manifest
	if err := decodeStrict(bytes.NewReader(b), &m, l.MaxJSONDepth); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if err := m.validate(l); err != nil {
		return nil, err
	}
	return &m, nil
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// validate checks everything a v1 manifest must satisfy (docs/bundle-format.md, "Manifest").
func (m *Manifest) validate(l Limits) error {
	if m.Format != FormatV1 {
		return fmt.Errorf("unsupported format %q (want %q)", m.Format, FormatV1)
	}
	if m.Collector.Name == "" {
		return fmt.Errorf("collector.name is empty")
	}
	if err := checkCreatedAt(m.CreatedAt); err != nil {
		return err
	}
	if err := checkScope(m.Scope, m.Node, m.Cluster); err != nil {
		return err
	}
	if m.Members == nil || m.Gaps == nil {
		return fmt.Errorf("members and gaps must be arrays (possibly empty), not null")
	}
	return checkMembers(m.Members, l)
}

func checkCreatedAt(s string) error {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.UTC().Format(time.RFC3339) != s {
		return fmt.Errorf("created_at %q is not an RFC 3339 UTC time in whole seconds", s)
	}
	return nil
}

func checkScope(scope, node string, c *Cluster) error {
	switch scope {
	case ScopeNode:
		if node == "" || c != nil {
			return fmt.Errorf("a node bundle needs node and no cluster")
		}
	case ScopeCluster:
		if node != "" || c == nil || c.KubeSystemUID == "" {
			return fmt.Errorf("a cluster bundle needs cluster.kube_system_uid and no node")
		}
	default:
		return fmt.Errorf("scope %q is neither %q nor %q", scope, ScopeNode, ScopeCluster)
	}
	return nil
}

func checkMembers(ms []Member, l Limits) error {
	if len(ms) > l.MaxMembers {
		return fmt.Errorf("too many members: %d (limit %d)", len(ms), l.MaxMembers)
	}
	var total int64
	for i, m := range ms {
		if err := checkMemberPath(m.Path); err != nil {
			return fmt.Errorf("members[%d]: %w", i, err)
		}
		if i > 0 && ms[i-1].Path >= m.Path {
			return fmt.Errorf("members[%d] %q: members are not sorted by path or not unique", i, m.Path)
		}
		if m.Size < 0 || m.Size > l.MaxMemberSize {
			return fmt.Errorf("members[%d] %q: member too large: size %d (limit %d)", i, m.Path, m.Size, l.MaxMemberSize)
		}
		if !hexSHA256.MatchString(m.SHA256) {
			return fmt.Errorf("members[%d] %q: sha256 %q is not 64 lowercase hex digits", i, m.Path, m.SHA256)
		}
		total += m.Size
		if total > l.MaxTotalSize {
			return fmt.Errorf("bundle too large: members total more than %d bytes", l.MaxTotalSize)
		}
	}
	return nil
}
