package analyze

import (
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/kubeproof/kubeproof/rules"
	"go.yaml.in/yaml/v3"
)

//go:embed defaults/*.yaml
var defaultsFS embed.FS

// componentData is one analyze/defaults/<component>.yaml: the component's defaults per
// version and mode, and (kubelet, kube-proxy) how its flags map onto config-file fields.
type componentData struct {
	Component           string         `yaml:"component"`
	ConfigFlag          string         `yaml:"config_flag"`
	DropinFlag          string         `yaml:"dropin_flag"`
	FlagsOverrideConfig *bool          `yaml:"flags_override_config"`
	FlagsKeptWithConfig []string       `yaml:"flags_kept_with_config"`
	EnvPrefix           string         `yaml:"env_prefix"`
	PathFields          []string       `yaml:"path_fields"` // config fields holding paths relative to their file's directory
	Defaults            []defaultEntry `yaml:"defaults"`
	Flags               []flagField    `yaml:"flags"`

	byFlag map[string]flagField
}

// defaultEntry is one default value with where the fact comes from.
type defaultEntry struct {
	Key   string `yaml:"key"`
	Value string `yaml:"value"`
	Mode  string `yaml:"mode"`  // any | config-file | flags-only
	Since string `yaml:"since"` // first minor version it holds for ("" = always)
	Until string `yaml:"until"` // first minor version it no longer holds for ("" = still)
	Cite  string `yaml:"cite"`
}

// flagField maps a command-line flag onto a config-file field.
type flagField struct {
	Flag  string `yaml:"flag"`
	Field string `yaml:"field"`
	Type  string `yaml:"type"` // "" (string) | bool | list | map
}

const (
	modeAny        = "any"
	modeConfigFile = "config-file"
	modeFlagsOnly  = "flags-only"
)

var componentTable = sync.OnceValues(loadComponentData)

func loadComponentData() (map[string]*componentData, error) {
	out := map[string]*componentData{}
	for _, c := range rules.Components {
		name := path.Join("defaults", c+".yaml")
		data, err := defaultsFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("analyze/%s: %w", name, err)
		}
		cd := &componentData{byFlag: map[string]flagField{}}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(cd); err != nil {
			return nil, fmt.Errorf("analyze/%s: %w", name, err)
		}
		if err := cd.validate(); err != nil {
			return nil, fmt.Errorf("analyze/%s: %w", name, err)
		}
		for _, f := range cd.Flags {
			cd.byFlag[f.Flag] = f
		}
		out[c] = cd
	}
	return out, nil
}

func (cd *componentData) validate() error {
	for i, d := range cd.Defaults {
		if d.Key == "" || d.Cite == "" {
			return fmt.Errorf("defaults[%d] (%q): key and cite are required", i, d.Key)
		}
		if d.Mode != modeAny && d.Mode != modeConfigFile && d.Mode != modeFlagsOnly {
			return fmt.Errorf("defaults[%d] (%q): mode %q: want any, config-file or flags-only", i, d.Key, d.Mode)
		}
	}
	return nil
}

// flagsOverride reports whether flags win over the config file (true unless the data says not).
func (cd *componentData) flagsOverride() bool {
	return cd.FlagsOverrideConfig == nil || *cd.FlagsOverrideConfig
}

// defaultsFor returns the defaults that hold for a version ("" = unknown: entries without a
// version bound only... and bounded ones too, assuming a current release) and mode.
func (cd *componentData) defaultsFor(version, mode string) map[string]defaultEntry {
	out := map[string]defaultEntry{}
	for _, d := range cd.Defaults {
		if d.Mode != modeAny && d.Mode != mode {
			continue
		}
		if version != "" && !inRange(version, d.Since, d.Until) {
			continue
		}
		out[d.Key] = d
	}
	return out
}

func inRange(v, since, until string) bool {
	if since != "" {
		if c, ok := rules.CompareVersions(v, since); ok && c < 0 {
			return false
		}
	}
	if until != "" {
		if c, ok := rules.CompareVersions(v, until); ok && c >= 0 {
			return false
		}
	}
	return true
}

// DefaultsTable lists every default of every component as "component key mode value — cite"
// lines, sorted; docs and tests use it.
func DefaultsTable() ([]string, error) {
	tab, err := componentTable()
	if err != nil {
		return nil, err
	}
	var out []string
	for c, cd := range tab {
		for _, d := range cd.Defaults {
			out = append(out, fmt.Sprintf("%s %s [%s] = %q — %s", c, d.Key, d.Mode, d.Value, d.Cite))
		}
	}
	sort.Strings(out)
	return out, nil
}
