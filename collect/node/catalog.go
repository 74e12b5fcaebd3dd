package node

import (
	_ "embed"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"
)

// File kinds: how a path is read (paths.yaml explains each).
const (
	kindConfig      = "config"
	kindCert        = "cert"
	kindKey         = "key"
	kindSecret      = "secret"
	kindLog         = "log"
	kindDir         = "dir"
	kindPKIDir      = "pki-dir"
	kindCNIDir      = "cni-dir"
	kindManifestDir = "manifest-dir"
	kindDropinDir   = "dropin-dir"
	kindDataDir     = "data-dir"
	kindUnit        = "unit"
	kindEnvFile     = "env-file"
	kindArgsFile    = "args-file"
)

// kindRank orders kinds when one path is asked for twice: the higher rank wins, so a path
// that any request calls a key or secret is never read.
var kindRank = map[string]int{
	kindLog: 1, kindDir: 1, kindDataDir: 2, kindCNIDir: 3, kindPKIDir: 3, kindManifestDir: 3, kindDropinDir: 3,
	kindConfig: 4, kindUnit: 4, kindEnvFile: 4, kindArgsFile: 4, kindCert: 5, kindKey: 9, kindSecret: 9,
}

//go:embed paths.yaml
var pathsYAML []byte

// pathRef is how a flag or config field names a file.
type pathRef struct {
	Kind  string   `json:"kind"`
	Roles []string `json:"roles,omitempty"`
}

// wellKnown is one per-distribution path.
type wellKnown struct {
	Distro string   `json:"distro"`
	Name   string   `json:"name"`
	Path   string   `json:"path"`
	Kind   string   `json:"kind"`
	Roles  []string `json:"roles,omitempty"`
	Source string   `json:"source"`
}

// distroMarker is a path whose existence suggests a distribution.
type distroMarker struct {
	Distro string `json:"distro"`
	Marker string `json:"marker"`
	Source string `json:"source"`
}

// catalog is paths.yaml, loaded.
type catalog struct {
	Flags         map[string]map[string]pathRef `json:"flags"`
	ConfigFields  map[string]map[string]pathRef `json:"config_fields"`
	Distributions []distroMarker                `json:"distributions"`
	WellKnown     []wellKnown                   `json:"wellknown"`
}

var loadCatalog = sync.OnceValues(func() (*catalog, error) { return parseCatalog(pathsYAML) })

// parseCatalog parses and checks a paths.yaml document.
func parseCatalog(b []byte) (*catalog, error) {
	var c catalog
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return nil, fmt.Errorf("paths.yaml: %w", err)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("paths.yaml: %w", err)
	}
	return &c, nil
}

func (c *catalog) check() error {
	var errs []string
	for _, table := range []map[string]map[string]pathRef{c.Flags, c.ConfigFields} {
		for comp, refs := range table {
			for name, r := range refs {
				if _, ok := kindRank[r.Kind]; !ok {
					errs = append(errs, fmt.Sprintf("%s %q: unknown kind %q", comp, name, r.Kind))
				}
			}
		}
	}
	for i, w := range c.WellKnown {
		switch {
		case w.Distro == "" || w.Name == "" || w.Source == "":
			errs = append(errs, fmt.Sprintf("wellknown[%d] %q: distro, name and source are required", i, w.Path))
		case !path.IsAbs(w.Path) || path.Clean(w.Path) != w.Path:
			errs = append(errs, fmt.Sprintf("wellknown[%d]: path %q is not clean and absolute", i, w.Path))
		case strings.Contains(path.Dir(w.Path), "*"):
			errs = append(errs, fmt.Sprintf("wellknown[%d]: path %q has a glob before its last component", i, w.Path))
		}
		if _, ok := kindRank[w.Kind]; !ok {
			errs = append(errs, fmt.Sprintf("wellknown[%d] %q: unknown kind %q", i, w.Path, w.Kind))
		}
	}
	for i, d := range c.Distributions {
		if d.Distro == "" || !path.IsAbs(d.Marker) || d.Source == "" {
			errs = append(errs, fmt.Sprintf("distributions[%d]: distro, absolute marker and source are required", i))
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// flagRef returns how component's flag names a file, if it does.
func (c *catalog) flagRef(component, flag string) (pathRef, bool) {
	r, ok := c.Flags[component][flag]
	return r, ok
}
