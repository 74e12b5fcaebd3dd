package node

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/kubeproof/kubeproof/evidence"
)

// components are the canonical component names, in the order processes of one combined
// binary are listed.
var components = []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "kubelet", "kube-proxy"}

// componentAliases maps other program names (hyperkube's short subcommands) to components.
var componentAliases = map[string]string{
	"apiserver": "kube-apiserver", "controller-manager": "kube-controller-manager",
	"scheduler": "kube-scheduler", "proxy": "kube-proxy",
}

// componentName returns the canonical component a program name stands for, or "".
// Names match whole: "etcdctl" and "kube-apiserver-proxy" are not components.
func componentName(prog string) string {
	for _, c := range components {
		if prog == c {
			return c
		}
	}
	return componentAliases[prog]
}

// rawProc is what /proc says about one process.
type rawProc struct {
	pid  int
	argv []string
	exe  string
	cwd  string
}

// scanProcesses reads every process (or only Options.PIDs) and keeps the components.
func (c *collector) scanProcesses() {
	pids, explicit := c.o.PIDs, c.o.PIDs != nil
	if !explicit {
		pids = c.listPIDs()
	}
	for _, pid := range pids {
		rp, err := c.readCmdline(pid)
		if err != nil {
			if explicit {
				c.procGap(pid, "cmdline", err)
			}
			continue
		}
		if len(rp.argv) == 0 {
			continue // a kernel thread or a zombie
		}
		c.detect(rp)
	}
}

// listPIDs returns the numeric entries of the proc root, ascending.
func (c *collector) listPIDs() []int {
	ents, err := os.ReadDir(c.o.ProcRoot)
	if err != nil {
		c.gap(c.o.ProcRoot, evidence.GapUnreadable, fmt.Sprintf("cannot list processes: %v", err))
		return nil
	}
	var pids []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	return pids
}

func (c *collector) procPath(pid int, name string) string {
	return filepath.Join(c.o.ProcRoot, strconv.Itoa(pid), name)
}

// readCmdline reads a process's argv. A process whose title was rewritten into one
// space-separated string ("/usr/local/bin/k3s server") is split on spaces.
func (c *collector) readCmdline(pid int) (*rawProc, error) {
	b, err := os.ReadFile(c.procPath(pid, "cmdline"))
	if err != nil {
		return nil, err
	}
	b = bytes.TrimRight(b, "\x00")
	rp := &rawProc{pid: pid}
	if len(b) == 0 {
		return rp, nil
	}
	rp.argv = strings.Split(string(b), "\x00")
	if len(rp.argv) == 1 && strings.Contains(rp.argv[0], " ") {
		if first := strings.Fields(rp.argv[0]); len(first) > 0 && knownProgram(path.Base(first[0])) {
			rp.argv = first
		}
	}
	return rp, nil
}

// knownProgram reports whether a program name is a component or a combined binary.
func knownProgram(prog string) bool {
	switch prog {
	case "k3s", "rke2", "kubelite", "hyperkube":
		return true
	}
	return componentName(prog) != ""
}

// procGap records a gap for a process file that could not be read.
func (c *collector) procGap(pid int, what string, err error) {
	kind := evidence.GapUnreadable
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ESRCH):
		kind = evidence.GapVanished
	case errors.Is(err, fs.ErrPermission):
		kind = evidence.GapPermissionDenied
	}
	c.gap(fmt.Sprintf("pid %d", pid), kind, fmt.Sprintf("%s: %v", what, err))
}

// readLinks fills a detected process's exe and working directory.
func (c *collector) readLinks(rp *rawProc) {
	exe, err := os.Readlink(c.procPath(rp.pid, "exe"))
	if err != nil {
		c.procGap(rp.pid, "exe", err)
	}
	rp.exe = strings.TrimSuffix(exe, " (deleted)")
	rp.cwd, _ = os.Readlink(c.procPath(rp.pid, "cwd"))
}

// program returns the program name of a process: argv[0]'s base name if it is known,
// else the executable's base name.
func program(rp *rawProc) string {
	if p := path.Base(rp.argv[0]); knownProgram(p) {
		return p
	}
	if rp.exe != "" {
		return path.Base(rp.exe)
	}
	return path.Base(rp.argv[0])
}

// detect turns a process into zero or more component processes.
func (c *collector) detect(rp *rawProc) {
	prog := path.Base(rp.argv[0])
	if !knownProgram(prog) {
		// argv[0] may be rewritten; the executable still names the program.
		exe, err := os.Readlink(c.procPath(rp.pid, "exe"))
		if err != nil || !knownProgram(path.Base(strings.TrimSuffix(exe, " (deleted)"))) {
			return
		}
	}
	c.readLinks(rp)
	prog = program(rp)
	base := rp.cwd
	switch prog {
	case "hyperkube":
		c.hyperkube(rp, base)
	case "k3s":
		c.k3s(rp, base)
	case "kubelite":
		c.kubelite(rp, base)
	case "rke2":
		// rke2 runs the control plane as static pods and the kubelet as its own process;
		// both are collected on their own. The rke2 process only names the distribution.
		c.seen = append(c.seen, seenProgram{prog: "rke2", pid: rp.pid})
	default:
		p := evidence.Process{Component: componentName(prog), Source: evidence.SourceProc,
			PID: rp.pid, Exe: rp.exe, Argv: rp.argv}
		if p.Component == "etcd" {
			p.Env = c.etcdEnv(rp.pid)
		}
		c.addProcess(p, base, rp.argv)
	}
}

// addProcess parses argv into flags (unless p.Flags is set), withholds secret values in
// both, and records the process.
func (c *collector) addProcess(p evidence.Process, base string, argv []string) {
	if p.Flags == nil {
		p.Flags = evidence.ParseFlags(argv)
	}
	var red []evidence.Redaction
	p.Argv, red = redactArgv(p.Argv, "/argv")
	red = append(red, redactFlags(p.Flags, "/flags")...)
	p.Redactions = red
	c.procs = append(c.procs, p)
	c.procBase = append(c.procBase, base)
}

// etcdEnv reads the ETCD_* variables of an etcd process; nothing else of its environment
// is kept. Secret-like ETCD_* values are withheld too.
func (c *collector) etcdEnv(pid int) map[string]string {
	b, err := os.ReadFile(c.procPath(pid, "environ"))
	if err != nil {
		c.procGap(pid, "environ", err)
		return nil
	}
	env := map[string]string{}
	for _, kv := range strings.Split(string(b), "\x00") {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, "ETCD_") {
			continue
		}
		if secretValue(name, val) {
			val = Redacted
		}
		env[name] = val
	}
	if len(env) == 0 {
		return nil
	}
	return env
}

// hyperkube handles "hyperkube <component> flags…".
func (c *collector) hyperkube(rp *rawProc, base string) {
	if len(rp.argv) < 2 {
		return
	}
	comp := componentName(rp.argv[1])
	if comp == "" {
		comp = componentName(strings.TrimPrefix(rp.argv[1], "kube-"))
	}
	if comp == "" {
		return
	}
	p := evidence.Process{Component: comp, Source: evidence.SourceProc, PID: rp.pid, Exe: rp.exe,
		Binary: "hyperkube " + rp.argv[1], Argv: rp.argv, Flags: evidence.ParseFlags(rp.argv[2:])}
	if comp == "etcd" {
		p.Env = c.etcdEnv(rp.pid)
	}
	c.addProcess(p, base, nil)
}
