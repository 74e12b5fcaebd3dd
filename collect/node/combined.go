package node

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/kubeproof/kubeproof/evidence"
)

// seenProgram is a distribution binary seen in /proc (for the distribution guess).
type seenProgram struct {
	prog string
	pid  int
}

// k3s components per subcommand, and the k3s flag that passes arguments to each.
var (
	k3sComponents = map[string][]string{
		"server": {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"},
		"agent":  {"kubelet", "kube-proxy"},
	}
	k3sDisable = map[string]string{
		"kube-apiserver": "disable-apiserver", "kube-controller-manager": "disable-controller-manager",
		"kube-scheduler": "disable-scheduler", "kube-proxy": "disable-kube-proxy",
	}
)

const (
	k3sDefaultConfig = "/etc/rancher/k3s/config.yaml"
	k3sServerUnit    = "/etc/systemd/system/k3s.service"
	k3sAgentUnit     = "/etc/systemd/system/k3s-agent.service"
)

// k3s handles "k3s server" and "k3s agent": one process per embedded component, whose
// flags are the "--<component>-arg" values from the k3s config file (and its config.yaml.d
// drop-ins, in name order) followed by those of the command line — or, when k3s hid its
// arguments by rewriting its title, those of its systemd unit's ExecStart.
func (c *collector) k3s(rp *rawProc, base string) {
	if len(rp.argv) < 2 || k3sComponents[rp.argv[1]] == nil {
		return
	}
	sub := rp.argv[1]
	c.seen = append(c.seen, seenProgram{prog: "k3s", pid: rp.pid})
	cli := evidence.ParseFlags(rp.argv[2:])
	if len(cli) == 0 {
		unit := k3sServerUnit
		if sub == "agent" {
			unit = k3sAgentUnit
		}
		cli = c.unitFlags(unit, sub)
	}
	cfgPath := k3sDefaultConfig
	if v, ok := evidence.LastFlag(cli, "config"); ok {
		cfgPath = hostPath(v, base)
	} else if v, ok := evidence.LastFlag(cli, "c"); ok {
		cfgPath = hostPath(v, base)
	}
	all := append(c.distroConfigFlags(cfgPath, "k3s.config"), cli...)
	for _, comp := range k3sComponents[sub] {
		if k3sDisabled(all, comp) {
			continue
		}
		p := evidence.Process{Component: comp, Source: evidence.SourceProc, PID: rp.pid, Exe: rp.exe,
			Binary: "k3s " + sub, Argv: rp.argv, Flags: innerArgs(all, comp+"-arg")}
		c.addProcess(p, base, nil)
	}
}

func k3sDisabled(flags []evidence.Flag, comp string) bool {
	if comp == "kubelet" || comp == "kube-proxy" {
		if v, ok := evidence.LastFlag(flags, "disable-agent"); ok && v == "true" {
			return true
		}
	}
	v, ok := evidence.LastFlag(flags, k3sDisable[comp])
	return ok && v == "true"
}

// innerArgs turns every "--<argFlag>=name=value" into the flag name=value, in order.
func innerArgs(flags []evidence.Flag, argFlag string) []evidence.Flag {
	out := []evidence.Flag{}
	for _, f := range flags {
		if f.Name != argFlag || !f.HasValue {
			continue
		}
		inner := strings.TrimLeft(f.Value, "-")
		if n, v, ok := strings.Cut(inner, "="); ok {
			out = append(out, evidence.Flag{Name: n, Value: v, HasValue: true})
		} else if inner != "" {
			out = append(out, evidence.Flag{Name: inner})
		}
	}
	return out
}

// distroConfigFlags reads a k3s/rke2 config file and its ".d" drop-ins (sorted) as flags:
// each key is a flag name (a trailing "+" appends, which in order is the same), a list gives
// one flag per item. The files are collected as evidence with the given role.
func (c *collector) distroConfigFlags(cfgPath, role string) []evidence.Flag {
	files := []string{cfgPath}
	if names, err := c.fs.readDir(cfgPath + ".d"); err == nil {
		for _, n := range names {
			if strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") {
				files = append(files, path.Join(cfgPath+".d", n))
			}
		}
	}
	var out []evidence.Flag
	for _, f := range files {
		c.request(f, kindConfig, 0, role)
		data, err := c.fs.readSmall(f, c.o.MaxFileSize)
		if err != nil {
			continue // absent is normal; the file's own evidence records what is there
		}
		docs, err := parseYAMLDocs(data)
		if err != nil || len(docs) == 0 {
			continue
		}
		out = append(out, configKeysAsFlags(docs[0])...)
	}
	return out
}

// configKeysAsFlags turns a config file mapping into flags, keys sorted.
func configKeysAsFlags(doc any) []evidence.Flag {
	m, _ := doc.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []evidence.Flag
	for _, k := range keys {
		name := strings.TrimSuffix(k, "+")
		vals, isList := m[k].([]any)
		if !isList {
			vals = []any{m[k]}
		}
		for _, v := range vals {
			out = append(out, evidence.Flag{Name: name, Value: scalarString(v), HasValue: true})
		}
	}
	return out
}

func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// unitFlags returns the flags after the subcommand of a unit's effective ExecStart.
func (c *collector) unitFlags(unit, sub string) []evidence.Flag {
	data, err := c.fs.readSmall(unit, c.o.MaxFileSize)
	if err != nil {
		return nil
	}
	content, _, _ := parseUnit(data)
	var exec string
	for _, s := range content["sections"].([]unitSection) {
		for _, e := range s.Entries {
			if s.Name == "Service" && e.Key == "ExecStart" {
				exec = e.Value // an empty ExecStart= resets; the last one wins
			}
		}
	}
	toks := splitQuoted(exec)
	for i, t := range toks {
		if t == sub {
			return evidence.ParseFlags(toks[i+1:])
		}
	}
	return nil
}

// kubelite args-file flags and the component each configures; the defaults are the
// microk8s snap's (https://microk8s.io/docs/configuring-services).
var kubeliteArgs = []struct{ flag, component, def string }{
	{"apiserver-args-file", "kube-apiserver", "/var/snap/microk8s/current/args/kube-apiserver"},
	{"controller-manager-args-file", "kube-controller-manager", "/var/snap/microk8s/current/args/kube-controller-manager"},
	{"scheduler-args-file", "kube-scheduler", "/var/snap/microk8s/current/args/kube-scheduler"},
	{"kubelet-args-file", "kubelet", "/var/snap/microk8s/current/args/kubelet"},
	{"proxy-args-file", "kube-proxy", "/var/snap/microk8s/current/args/kube-proxy"},
}

// kubelite handles microk8s's kubelite: one process per component, flags from its args file.
func (c *collector) kubelite(rp *rawProc, base string) {
	c.seen = append(c.seen, seenProgram{prog: "kubelite", pid: rp.pid})
	flags := evidence.ParseFlags(rp.argv[1:])
	for _, a := range kubeliteArgs {
		file := a.def
		if v, ok := evidence.LastFlag(flags, a.flag); ok && usablePath(v) {
			file = hostPath(v, base)
		}
		c.request(file, kindArgsFile, 0, a.component+".args-file")
		p := evidence.Process{Component: a.component, Source: evidence.SourceProc, PID: rp.pid,
			Exe: rp.exe, Binary: "kubelite", Argv: rp.argv, Flags: []evidence.Flag{}}
		data, err := c.fs.readSmall(file, c.o.MaxFileSize)
		if err == nil {
			p.Flags = evidence.ParseFlags(expandSnap(parseArgsFile(data), file))
		}
		c.addProcess(p, base, nil)
	}
}

// expandSnap replaces the snap variables microk8s args files use.
func expandSnap(toks []string, argsFile string) []string {
	snapData := path.Dir(path.Dir(argsFile))
	r := strings.NewReplacer("${SNAP_DATA}", snapData, "$SNAP_DATA", snapData,
		"${SNAP_COMMON}", "/var/snap/microk8s/common", "$SNAP_COMMON", "/var/snap/microk8s/common",
		"${SNAP}", "/snap/microk8s/current", "$SNAP", "/snap/microk8s/current")
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = r.Replace(t)
	}
	return out
}
