package analyze

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/rules"
)

// DistributionProfile is a Profile that also carries the arguments a distribution passes to
// the components it embeds (*rules.Profile implements it; docs/profiles.md).
type DistributionProfile interface {
	DistributionDefaults() (binary, settingsRole string, defs []rules.ComponentDefault)
}

// distro is the distribution-defaults layer of the chosen profile.
type distro struct {
	binary       string
	settingsRole string
	defs         []rules.ComponentDefault
}

func distroOf(p Profile) *distro {
	dp, ok := p.(DistributionProfile)
	if !ok {
		return nil
	}
	b, role, defs := dp.DistributionDefaults()
	if b == "" || len(defs) == 0 {
		return nil
	}
	return &distro{binary: b, settingsRole: role, defs: defs}
}

// distroValue is one distribution default that holds for a component on a node, with the
// members that show its condition holds.
type distroValue struct {
	def     rules.ComponentDefault
	members []string
}

// forProcess returns the distribution defaults that hold for process p on node n: p must
// be run by the distribution's binary, and each entry's condition must hold on the node.
func (d *distro) forProcess(n *nodeEv, p *evidence.Process) []distroValue {
	if d == nil || (p.Binary != d.binary && !strings.HasPrefix(p.Binary, d.binary+" ")) {
		return nil
	}
	var settings map[string]setting
	var out []distroValue
	for _, def := range d.defs {
		if def.Component != p.Component {
			continue
		}
		if def.When == nil {
			out = append(out, distroValue{def: def})
			continue
		}
		if settings == nil {
			settings = d.settings(n, p)
		}
		if members, ok := holds(def.When, n, settings); ok {
			out = append(out, distroValue{def: def, members: members})
		}
	}
	return out
}

// setting is one distribution setting and the member it was read from.
type setting struct{ value, member string }

// settings reads the distribution's settings: its config files (the collector's
// settingsRole files, in path order: config.yaml before config.yaml.d/*), then the flags of
// its command line, later ones winning.
func (d *distro) settings(n *nodeEv, p *evidence.Process) map[string]setting {
	out := map[string]setting{}
	for _, fp := range n.roles[d.settingsRole] {
		f, member, _ := n.lookup(fp)
		m, ok := f.Content.(map[string]any)
		if !f.Exists || f.Error != "" || !ok {
			continue
		}
		for k, v := range m {
			if _, nested := v.(map[string]any); !nested {
				out[strings.TrimSuffix(k, "+")] = setting{value: scalar(v), member: member}
			}
		}
	}
	if len(p.Argv) > 2 {
		for _, f := range evidence.ParseFlags(p.Argv[2:]) {
			v := f.Value
			if !f.HasValue {
				v = "true"
			}
			out[f.Name] = setting{value: v, member: evidence.PathProcesses}
		}
	}
	return out
}

// holds reports whether condition w holds on node n, and the members that show it.
func holds(w *rules.DefaultCondition, n *nodeEv, settings map[string]setting) ([]string, bool) {
	var members []string
	if w.Exists != "" {
		f, member, ok := n.lookup(w.Exists)
		if !ok || !f.Exists {
			return nil, false
		}
		members = append(members, member)
	}
	if w.Setting != "" {
		s, ok := settings[w.Setting]
		if !ok || !sameSetting(s.value, w.Equals) {
			return nil, false
		}
		members = append(members, s.member)
	}
	for _, k := range w.Unset {
		if s, ok := settings[k]; ok && s.value != "" {
			return nil, false
		}
	}
	return members, true
}

func sameSetting(got, want string) bool {
	g, err1 := strconv.ParseBool(got)
	w, err2 := strconv.ParseBool(want)
	if err1 == nil && err2 == nil {
		return g == w
	}
	return got == want
}

// distroNote says that a distribution default decided key.
func distroNote(c *Component, key string, v Value) string {
	return fmt.Sprintf("%s is set by no operator flag or file; %s default (%s): %s itself passes %q to %s",
		key, v.Distro, v.Cite, v.Distro, v.Value, c.Name)
}
