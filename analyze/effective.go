package analyze

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/result"
)

// Value is one resolved effective-configuration value and where it came from.
type Value struct {
	Value  string
	Source string // result.SourceFlag, SourceConfigFile, SourceDropIn, SourceEnv, SourceDefault, SourceStaticManifest
	Member string // the bundle member it was read from; "" for a default
	File   string // host path of the config file or drop-in, for those sources
	Cite   string // for a default: where the default is documented
	Distro string // for a distribution default (a profile's component_defaults): "k3s"
}

// Component is one component's effective configuration on one node.
type Component struct {
	Name    string
	Process *evidence.Process
	Values  map[string]Value
	// Ignored holds flags the component ignores (kube-proxy flags next to --config), by key.
	Ignored map[string]Value
	// Gaps says why part of the configuration is unknown (a config file or drop-in that was
	// not collected). Values not set by a flag or env are then NO_EVIDENCE.
	Gaps []string
	// Consulted lists the members the resolution read, in order.
	Consulted []string
	Mode      string // modeConfigFile or modeFlagsOnly (kubelet, kube-proxy); modeAny otherwise
	// Note says where the configuration came from when not from the node itself
	// (kube-proxy from its DaemonSet's ConfigMap, kubeproxy.go).
	Note string
}

// nodeFiles is what effective-config resolution needs from a node bundle.
type nodeFiles interface {
	lookup(p string) (*evidence.File, string, bool) // file evidence, its member
	gap(item string) (evidence.Gap, bool)
}

// resolve computes the effective configuration of component p on a node
// (defaults < config file < drop-ins < env < flags; docs/effective-config.md).
func resolve(cd *componentData, p *evidence.Process, procMember, version string, nf nodeFiles, dist []distroValue, distName string) *Component {
	c := &Component{Name: p.Component, Process: p, Values: map[string]Value{}, Ignored: map[string]Value{}, Mode: modeAny}
	c.Consulted = append(c.Consulted, procMember)
	flags := lastFlags(p.Flags)
	cfgPath, hasCfg := "", false
	if cd.ConfigFlag != "" {
		if f, ok := flags[cd.ConfigFlag]; ok && f.Value != "" {
			cfgPath, hasCfg = f.Value, true
		}
		c.Mode = modeFlagsOnly
		if hasCfg {
			c.Mode = modeConfigFile
		}
	}
	for k, d := range cd.defaultsFor(version, c.Mode) {
		c.Values[k] = Value{Value: d.Value, Source: result.SourceDefault, Cite: d.Cite}
	}
	for _, dv := range dist {
		c.Values[dv.def.Key] = Value{Value: dv.def.Value, Source: result.SourceDefault, Cite: strings.TrimSpace(dv.def.Cite), Distro: distName}
		c.Consulted = append(c.Consulted, dv.members...)
	}
	if hasCfg {
		c.applyFile(nf, cfgPath, result.SourceConfigFile, "config file", cd.PathFields)
	}
	if cd.DropinFlag != "" {
		if f, ok := flags[cd.DropinFlag]; ok && f.Value != "" {
			c.applyDropins(nf, f.Value, cd.PathFields)
		}
	}
	if cd.EnvPrefix != "" {
		c.applyEnv(cd.EnvPrefix, p.Env, procMember)
	}
	c.applyFlags(cd, p, procMember, hasCfg)
	return c
}

// lastFlags returns each flag's last occurrence (pflag: a repeated scalar flag's last value wins).
func lastFlags(fs []evidence.Flag) map[string]evidence.Flag {
	m := map[string]evidence.Flag{}
	for _, f := range fs {
		m[f.Name] = f
	}
	return m
}

func (c *Component) applyFile(nf nodeFiles, p, source, what string, pathFields []string) bool {
	if !path.IsAbs(p) {
		c.Gaps = append(c.Gaps, fmt.Sprintf("%s %q is a relative path (relative to the process's working directory, which is not evidenced)", what, p))
		return false
	}
	f, member, ok := nf.lookup(p)
	if !ok {
		if g, isGap := nf.gap(p); isGap {
			c.Gaps = append(c.Gaps, fmt.Sprintf("%s %s was not collected: %s (%s)", what, p, g.Kind, g.Reason))
		} else {
			c.Gaps = append(c.Gaps, fmt.Sprintf("%s %s is not in the bundle", what, p))
		}
		return false
	}
	c.Consulted = append(c.Consulted, member)
	switch {
	case !f.Exists:
		c.Gaps = append(c.Gaps, fmt.Sprintf("%s %s does not exist on the node", what, p))
		return false
	case f.Error != "" || f.Content == nil:
		reason := f.Error
		if reason == "" {
			reason = "its content was not read"
		}
		c.Gaps = append(c.Gaps, fmt.Sprintf("%s %s could not be read: %s", what, p, reason))
		return false
	}
	m, ok := f.Content.(map[string]any)
	if !ok {
		c.Gaps = append(c.Gaps, fmt.Sprintf("%s %s does not hold a configuration object", what, p))
		return false
	}
	for k, v := range flatten(m) {
		if v != "" && !path.IsAbs(v) && slices.Contains(pathFields, k) {
			v = path.Join(path.Dir(p), v) // the component resolves it against the file's directory
		}
		c.Values[k] = Value{Value: v, Source: source, Member: member, File: p}
	}
	return true
}

// applyDropins applies the *.conf files of the drop-in directory in lexical order: later
// files win field by field, structures merge, lists are replaced (kubelet --config-dir).
func (c *Component) applyDropins(nf nodeFiles, dir string, pathFields []string) {
	d, member, ok := nf.lookup(dir)
	if !ok {
		if g, isGap := nf.gap(dir); isGap {
			c.Gaps = append(c.Gaps, fmt.Sprintf("drop-in directory %s was not collected: %s (%s)", dir, g.Kind, g.Reason))
		} else {
			c.Gaps = append(c.Gaps, fmt.Sprintf("drop-in directory %s is not in the bundle", dir))
		}
		return
	}
	c.Consulted = append(c.Consulted, member)
	if !d.Exists {
		return // the kubelet skips a missing drop-in directory
	}
	names := append([]string(nil), d.Entries...)
	sort.Strings(names)
	for _, n := range names {
		if strings.HasSuffix(n, ".conf") {
			c.applyFile(nf, path.Join(dir, n), result.SourceDropIn, "drop-in", pathFields)
		}
	}
}

func (c *Component) applyEnv(prefix string, env map[string]string, member string) {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		name := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(k, prefix)), "_", "-")
		c.Values[name] = Value{Value: env[k], Source: result.SourceEnv, Member: member}
	}
}

func (c *Component) applyFlags(cd *componentData, p *evidence.Process, member string, hasCfg bool) {
	source := result.SourceFlag
	if p.Source == evidence.SourceStaticManifest {
		source = result.SourceStaticManifest
	}
	kept := map[string]bool{}
	for _, k := range cd.FlagsKeptWithConfig {
		kept[k] = true
	}
	for _, f := range p.Flags {
		ff, mapped := cd.byFlag[f.Name]
		for k, v := range flagValues(f, ff, mapped) {
			val := Value{Value: v, Source: source, Member: member}
			if mapped && hasCfg && !cd.flagsOverride() && !kept[f.Name] {
				c.Ignored[k] = val
				continue
			}
			c.Values[k] = val
		}
	}
}

// flagValues turns one flag into effective-config entries: mapped onto its config field
// (kubelet, kube-proxy) or under its own name.
func flagValues(f evidence.Flag, ff flagField, mapped bool) map[string]string {
	v := f.Value
	if !f.HasValue {
		v = "true"
	}
	key := f.Name
	if mapped {
		key = ff.Field
	}
	out := map[string]string{}
	switch {
	case mapped && ff.Type == "bool":
		if b, err := strconv.ParseBool(v); err == nil {
			v = strconv.FormatBool(b)
		}
		out[key] = v
	case (mapped && ff.Type == "map") || f.Name == "feature-gates":
		if !mapped {
			out[key] = v
		}
		for _, kv := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if ok && k != "" {
				if b, err := strconv.ParseBool(val); err == nil {
					val = strconv.FormatBool(b)
				}
				out[key+"."+k] = val
			}
		}
	default:
		out[key] = v
	}
	return out
}

// flatten turns a parsed config object into dotted keys with string values
// (docs/rules.md "Effective configuration keys"). apiVersion and kind are dropped.
func flatten(m map[string]any) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(join(prefix, k), e)
			}
		case nil:
		default:
			out[prefix] = scalar(x)
		}
	}
	for k, v := range m {
		if k == "apiVersion" || k == "kind" {
			continue
		}
		walk(k, v)
	}
	return out
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// scalar renders a config value the way flags spell it.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if _, isMap := e.(map[string]any); isMap {
				b, _ := json.Marshal(x)
				return string(b)
			}
			parts = append(parts, scalar(e))
		}
		return strings.Join(parts, ",")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// decided reports whether key's value is known regardless of gaps: set by a flag, env or a
// static manifest's command, which no config file can override... except for kube-proxy
// with --config, where the file decides everything (then a gap leaves every key unknown).
func (c *Component) decided(key string) bool {
	v, ok := c.Values[key]
	if !ok {
		return false
	}
	switch v.Source {
	case result.SourceFlag, result.SourceEnv, result.SourceStaticManifest:
		return true
	}
	return false
}

// configMaps returns the CEL inputs: key → value and key → source.
func (c *Component) configMaps() (map[string]string, map[string]string) {
	cfg := make(map[string]string, len(c.Values))
	src := make(map[string]string, len(c.Values))
	for k, v := range c.Values {
		cfg[k], src[k] = v.Value, v.Source
	}
	return cfg, src
}
