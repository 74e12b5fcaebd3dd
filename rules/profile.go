package rules

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultProfile is the profile used when none is chosen.
const DefaultProfile = "kubeadm"

// profileFiles holds the built-in platform profiles (docs/profiles.md).
//
//go:embed profiles/*.yaml
var profileFiles embed.FS

// Profile adapts the benchmark to a platform: it marks recommendations that do not apply
// there as NOT_APPLICABLE, with the reason, and says where the platform keeps the files the
// benchmark asks about. A profile never changes a verdict in any other way: it cannot turn
// a FAIL into a PASS.
type Profile struct {
	Name        string `yaml:"name"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// Exclusions are the recommendations the profile marks NOT_APPLICABLE, in file order.
	Exclusions []Exclusion `yaml:"not_applicable"`
	// Hints say where the platform keeps files of a collector role (informational: the
	// collector follows each component's real flags first).
	Hints []Hint `yaml:"hints"`
	// Binary is the combined program whose embedded components ComponentDefaults describe
	// ("k3s" matches the processes of "k3s server" and "k3s agent").
	Binary string `yaml:"binary,omitempty"`
	// SettingsRole is the collector role of the distribution's own config files (for
	// example k3s.config), read for the `when` conditions of ComponentDefaults.
	SettingsRole string `yaml:"settings_role,omitempty"`
	// ComponentDefaults are arguments the distribution itself passes to the components it
	// embeds. The analyzer applies them between the version defaults and the operator's
	// flags, with source "default" (docs/effective-config.md).
	ComponentDefaults []ComponentDefault `yaml:"component_defaults,omitempty"`
}

// ComponentDefault is one argument a distribution passes to an embedded component itself,
// with where the distribution's source code does so.
type ComponentDefault struct {
	Component string `yaml:"component"`
	Key       string `yaml:"key"` // effective-config key (the flag name for control plane components)
	Value     string `yaml:"value"`
	Cite      string `yaml:"cite"`
	// When limits the entry to nodes where the distribution really passes the argument.
	When *DefaultCondition `yaml:"when,omitempty"`
}

// DefaultCondition says when a ComponentDefault holds; every given part must hold.
// Settings are the keys of the distribution's config files (SettingsRole) and the flags of
// its command line; an unreadable or missing file never satisfies a condition.
type DefaultCondition struct {
	Exists  string   `yaml:"exists,omitempty"`  // a host path that exists on the node
	Setting string   `yaml:"setting,omitempty"` // a distribution setting that must equal Equals
	Equals  string   `yaml:"equals,omitempty"`
	Unset   []string `yaml:"unset,omitempty"` // distribution settings that must not be set
}

// Exclusion is one group of recommendations a profile marks NOT_APPLICABLE.
type Exclusion struct {
	// Rules are rule ids ("1.1.12") or section prefixes ("1.2.*" matches 1.2.1, 1.2.10, …;
	// "2.*" matches 2.1 … 2.7).
	Rules  []string `yaml:"rules"`
	Reason string   `yaml:"reason"`
}

// Hint names typical host paths of files with a collector role on the platform.
type Hint struct {
	Role  string   `yaml:"role"`
	Paths []string `yaml:"paths"`
	Note  string   `yaml:"note,omitempty"`
}

var rulePatternRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*(\.\*)?$`)

// ProfileNames returns the names of the built-in profiles, sorted.
func ProfileNames() []string {
	entries, _ := fs.Glob(profileFiles, "profiles/*.yaml")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(path.Base(e), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// LoadProfile returns the built-in profile name ("" means DefaultProfile).
func LoadProfile(name string) (*Profile, error) {
	if name == "" {
		name = DefaultProfile
	}
	data, err := profileFiles.ReadFile("profiles/" + name + ".yaml")
	if err != nil || strings.ContainsAny(name, "/\\") {
		return nil, fmt.Errorf("unknown profile %q (built-in profiles: %s)", name, strings.Join(ProfileNames(), ", "))
	}
	return ParseProfile("rules/profiles/"+name+".yaml", data)
}

// ParseProfile parses and validates a profile file; file names it in errors, and the
// profile's name must match the file's base name.
func ParseProfile(file string, data []byte) (*Profile, error) {
	var p Profile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty profile", file)
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if want := strings.TrimSuffix(path.Base(file), ".yaml"); p.Name != want {
		return nil, fmt.Errorf("%s: profile name %q does not match the file name (want %q)", file, p.Name, want)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &p, nil
}

func (p *Profile) validate() error {
	var errs []error
	if strings.TrimSpace(p.Title) == "" {
		errs = append(errs, errors.New("title is required"))
	}
	seen := map[string]bool{}
	for i, x := range p.Exclusions {
		if strings.TrimSpace(x.Reason) == "" {
			errs = append(errs, fmt.Errorf("not_applicable[%d]: a reason is required", i))
		}
		if len(x.Rules) == 0 {
			errs = append(errs, fmt.Errorf("not_applicable[%d]: rules is empty", i))
		}
		for _, r := range x.Rules {
			switch {
			case !rulePatternRE.MatchString(r):
				errs = append(errs, fmt.Errorf("not_applicable[%d]: %q is not a rule id or a section prefix such as \"1.2.*\"", i, r))
			case seen[r]:
				errs = append(errs, fmt.Errorf("not_applicable[%d]: %q is listed twice", i, r))
			}
			seen[r] = true
		}
	}
	for i, h := range p.Hints {
		if h.Role == "" || len(h.Paths) == 0 {
			errs = append(errs, fmt.Errorf("hints[%d]: role and paths are required", i))
		}
		for _, hp := range h.Paths {
			if !path.IsAbs(hp) {
				errs = append(errs, fmt.Errorf("hints[%d]: path %q is not absolute", i, hp))
			}
		}
	}
	errs = append(errs, p.validateDefaults()...)
	return errors.Join(errs...)
}

func (p *Profile) validateDefaults() []error {
	var errs []error
	if len(p.ComponentDefaults) > 0 && p.Binary == "" {
		errs = append(errs, errors.New("component_defaults need binary: the program whose embedded components they describe"))
	}
	seen := map[string]bool{}
	for i, d := range p.ComponentDefaults {
		if d.Component == "" || d.Key == "" || d.Value == "" || strings.TrimSpace(d.Cite) == "" {
			errs = append(errs, fmt.Errorf("component_defaults[%d] (%q): component, key, value and cite are required", i, d.Key))
		}
		if d.Component != "" && !slices.Contains(Components, d.Component) {
			errs = append(errs, fmt.Errorf("component_defaults[%d]: component %q: want one of %s", i, d.Component, strings.Join(Components, ", ")))
		}
		if id := d.Component + " " + d.Key; seen[id] {
			errs = append(errs, fmt.Errorf("component_defaults[%d]: %s %s is listed twice", i, d.Component, d.Key))
		} else {
			seen[id] = true
		}
		if w := d.When; w != nil {
			if w.Exists != "" && !path.IsAbs(w.Exists) {
				errs = append(errs, fmt.Errorf("component_defaults[%d]: when.exists %q is not absolute", i, w.Exists))
			}
			if (w.Setting != "" || len(w.Unset) > 0) && p.SettingsRole == "" {
				errs = append(errs, fmt.Errorf("component_defaults[%d]: a settings condition needs settings_role", i))
			}
			if (w.Setting == "") != (w.Equals == "") {
				errs = append(errs, fmt.Errorf("component_defaults[%d]: when.setting and when.equals go together", i))
			}
		}
	}
	return errs
}

// NotApplicable reports whether the profile marks rule ruleID NOT_APPLICABLE, and why. The
// first matching exclusion in file order gives the reason.
func (p *Profile) NotApplicable(ruleID string) (reason string, ok bool) {
	for _, x := range p.Exclusions {
		for _, pat := range x.Rules {
			if matchRulePattern(pat, ruleID) {
				return strings.TrimSpace(x.Reason), true
			}
		}
	}
	return "", false
}

func matchRulePattern(pat, id string) bool {
	if prefix, ok := strings.CutSuffix(pat, "*"); ok {
		return strings.HasPrefix(id, prefix)
	}
	return pat == id
}

// DistributionDefaults returns the program whose embedded components the profile's
// component defaults describe, the collector role of the distribution's config files, and
// the defaults (analyze uses them; nil when the profile has none).
func (p *Profile) DistributionDefaults() (binary, settingsRole string, defs []ComponentDefault) {
	return p.Binary, p.SettingsRole, p.ComponentDefaults
}

// HintPaths returns the platform's typical paths for files of a collector role, in the
// order the profile lists them (nil when it has none).
func (p *Profile) HintPaths(role string) []string {
	var out []string
	for _, h := range p.Hints {
		if h.Role == role {
			out = append(out, h.Paths...)
		}
	}
	return out
}
