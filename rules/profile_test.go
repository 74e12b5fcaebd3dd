package rules

import (
	"slices"
	"strings"
	"testing"
)

func TestProfileNames(t *testing.T) {
	want := []string{"aks", "eks", "gke", "hosted-control-plane", "k3s", "kubeadm", "rke2"}
	if got := ProfileNames(); !slices.Equal(got, want) {
		t.Fatalf("ProfileNames() = %v, want %v", got, want)
	}
}

// Every built-in profile loads, and every pattern it lists matches at least one CIS rule
// (a typo such as "1.1.22" or "6.*" would otherwise silently match nothing).
func TestBuiltinProfilesMatchRules(t *testing.T) {
	var ids []string
	for id := range readChecklist(t) {
		ids = append(ids, id)
	}
	for _, name := range ProfileNames() {
		p, err := LoadProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range p.Exclusions {
			for _, pat := range x.Rules {
				if !slices.ContainsFunc(ids, func(id string) bool { return matchRulePattern(pat, id) }) {
					t.Errorf("profile %s: pattern %q matches no recommendation", name, pat)
				}
			}
		}
	}
}

func TestProfileNotApplicable(t *testing.T) {
	cases := []struct {
		profile, rule string
		na            bool
		reasonHas     string
	}{
		{"kubeadm", "1.1.1", false, ""},
		{"kubeadm", "5.2.2", false, ""},
		{"", "1.2.1", false, ""}, // "" is the default profile, kubeadm
		{"k3s", "1.1.1", true, "static pods"},
		{"k3s", "1.1.9", false, ""},
		{"k3s", "1.1.11", false, ""},
		{"k3s", "1.1.12", true, "etcd user"},
		{"k3s", "4.1.1", true, "supervisor"},
		{"k3s", "4.1.10", false, ""},
		{"rke2", "1.1.1", false, ""},
		{"rke2", "4.1.2", true, "supervisor"},
		{"hosted-control-plane", "1.1.1", true, "seed"},
		{"hosted-control-plane", "1.1.9", false, ""},
		{"hosted-control-plane", "1.1.10", false, ""},
		{"hosted-control-plane", "1.2.10", true, "control plane"},
		{"hosted-control-plane", "2.7", true, "etcd"},
		{"hosted-control-plane", "3.2.1", false, ""},
		{"hosted-control-plane", "4.2.1", false, ""},
		{"hosted-control-plane", "5.1.1", false, ""},
		{"eks", "1.4.2", true, "provider"},
		{"eks", "2.1", true, "etcd"},
		{"eks", "3.2.2", true, "provider"},
		{"eks", "4.1.1", false, ""},
		{"gke", "3.1.1", true, "provider"},
		{"gke", "4.2.13", false, ""},
		{"aks", "5.6.4", false, ""},
		{"aks", "1.1.21", true, "provider"},
	}
	for _, c := range cases {
		p, err := LoadProfile(c.profile)
		if err != nil {
			t.Fatal(err)
		}
		reason, ok := p.NotApplicable(c.rule)
		if ok != c.na || !strings.Contains(reason, c.reasonHas) {
			t.Errorf("%s.NotApplicable(%q) = %q, %v; want NA=%v with %q", p.Name, c.rule, reason, ok, c.na, c.reasonHas)
		}
		if ok && (strings.TrimSpace(reason) != reason || reason == "") {
			t.Errorf("%s: reason for %s is not trimmed text: %q", p.Name, c.rule, reason)
		}
	}
}

func TestMatchRulePattern(t *testing.T) {
	cases := []struct {
		pat, id string
		want    bool
	}{
		{"1.2.*", "1.2.1", true}, {"1.2.*", "1.2.30", true}, {"1.2.*", "1.20", false},
		{"1.2.*", "1.2", false}, {"2.*", "2.7", true}, {"2.*", "1.2.7", false},
		{"1.1.1", "1.1.1", true}, {"1.1.1", "1.1.10", false},
	}
	for _, c := range cases {
		if got := matchRulePattern(c.pat, c.id); got != c.want {
			t.Errorf("matchRulePattern(%q, %q) = %v", c.pat, c.id, got)
		}
	}
}

func TestProfileHints(t *testing.T) {
	p, err := LoadProfile("k3s")
	if err != nil {
		t.Fatal(err)
	}
	got := p.HintPaths("kubelet.kubeconfig")
	if !slices.Equal(got, []string{"/var/lib/rancher/k3s/agent/kubelet.kubeconfig"}) {
		t.Errorf("k3s kubelet.kubeconfig hint = %v", got)
	}
	if p.HintPaths("no-such-role") != nil {
		t.Error("hint for an unknown role")
	}
}

func TestLoadProfileErrors(t *testing.T) {
	for _, name := range []string{"nope", "../rules/profiles/k3s", "k3s.yaml"} {
		_, err := LoadProfile(name)
		if err == nil || !strings.Contains(err.Error(), "built-in profiles: aks, eks") {
			t.Errorf("LoadProfile(%q) error = %v", name, err)
		}
	}
}

func TestParseProfileErrors(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"empty", "", "empty profile"},
		{"name mismatch", "name: other\ntitle: T\n", `profile name "other" does not match`},
		{"unknown field", "name: x\ntitle: T\nnot_aplicable: []\n", "line 3: field not_aplicable not found"},
		{"no title", "name: x\n", "title is required"},
		{"no reason", "name: x\ntitle: T\nnot_applicable:\n  - rules: [\"1.1.1\"]\n", "a reason is required"},
		{"bad pattern", "name: x\ntitle: T\nnot_applicable:\n  - rules: [\"1.*.1\"]\n    reason: r\n", `"1.*.1" is not a rule id`},
		{"twice", "name: x\ntitle: T\nnot_applicable:\n  - rules: [\"2.*\"]\n    reason: r\n  - rules: [\"2.*\"]\n    reason: s\n", `"2.*" is listed twice`},
		{"relative hint", "name: x\ntitle: T\nhints:\n  - role: pki.dir\n    paths: [etc/pki]\n", `path "etc/pki" is not absolute`},
	}
	for _, c := range cases {
		_, err := ParseProfile("dir/x.yaml", []byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "dir/x.yaml: ") {
			t.Errorf("%s: error %v, want one naming dir/x.yaml and containing %q", c.name, err, c.want)
		}
	}
}

func FuzzParseProfile(f *testing.F) {
	for _, name := range ProfileNames() {
		data, err := profileFiles.ReadFile("profiles/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.ReplaceAll(string(data), "name: "+name, "name: x"))
	}
	f.Add("name: x\ntitle: t\nnot_applicable: [{rules: [\"1.*\"], reason: r}]\n")
	f.Fuzz(func(t *testing.T, data string) {
		p, err := ParseProfile("x.yaml", []byte(data))
		if err != nil {
			return
		}
		for _, x := range p.Exclusions {
			for _, pat := range x.Rules {
				if r, ok := p.NotApplicable(strings.TrimSuffix(strings.TrimSuffix(pat, "*"), ".")); ok && r == "" {
					t.Fatalf("empty reason for %q", pat)
				}
			}
		}
	})
}

// TestComponentDefaultsValidation: component defaults need a binary, a known component,
// key, value and citation, no duplicates, and a settings_role for settings conditions.
func TestComponentDefaultsValidation(t *testing.T) {
	for name, body := range map[string]string{
		"no binary":     "component_defaults: [{component: kube-scheduler, key: bind-address, value: 127.0.0.1, cite: x}]",
		"bad component": "binary: k3s\ncomponent_defaults: [{component: kube-foo, key: a, value: b, cite: x}]",
		"no cite":       "binary: k3s\ncomponent_defaults: [{component: kube-scheduler, key: a, value: b}]",
		"duplicate":     "binary: k3s\ncomponent_defaults: [{component: kube-scheduler, key: a, value: b, cite: x}, {component: kube-scheduler, key: a, value: c, cite: x}]",
		"no role":       "binary: k3s\ncomponent_defaults: [{component: kube-scheduler, key: a, value: b, cite: x, when: {setting: s, equals: \"true\"}}]",
		"relative path": "binary: k3s\ncomponent_defaults: [{component: kube-scheduler, key: a, value: b, cite: x, when: {exists: rel/dir}}]",
		"setting alone": "binary: k3s\nsettings_role: k3s.config\ncomponent_defaults: [{component: kube-scheduler, key: a, value: b, cite: x, when: {setting: s}}]",
	} {
		if _, err := ParseProfile("x.yaml", []byte("name: x\ntitle: X\n"+body+"\n")); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	p, err := LoadProfile("k3s")
	if err != nil {
		t.Fatal(err)
	}
	if b, role, defs := p.DistributionDefaults(); b != "k3s" || role != "k3s.config" || len(defs) == 0 {
		t.Errorf("k3s distribution defaults: %q %q %d", b, role, len(defs))
	}
}
