package node

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kubeproof/kubeproof/evidence"
)

// NodeName returns the name Collect will give the node: Options.NodeName, else the host
// root's /etc/hostname, else this machine's host name. The CLI needs it for the bundle
// header before collecting.
func NodeName(o Options) string {
	o.defaults()
	if o.NodeName != "" {
		return o.NodeName
	}
	if h := hostnameFile(hostFS{root: o.HostRoot}); h != "" {
		return h
	}
	h, _ := os.Hostname()
	return h
}

func hostnameFile(h hostFS) string {
	b, err := h.readSmall("/etc/hostname", 4096)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			return t
		}
	}
	return ""
}

// hostFacts gathers the node's identity, OS and kernel.
func (c *collector) hostFacts(distroHint string) evidence.Host {
	h := evidence.Host{NodeName: NodeName(c.o), CollectedAt: c.o.Now.UTC().Format(time.RFC3339),
		Distribution: c.distro, DistributionHint: distroHint}
	h.Hostname = hostnameFile(c.fs)
	if h.Hostname == "" {
		h.Hostname, _ = os.Hostname()
	}
	h.OSRelease = c.osRelease()
	if b, err := os.ReadFile(filepath.Join(c.o.ProcRoot, "sys/kernel/osrelease")); err == nil {
		h.Kernel = strings.TrimSpace(string(b))
	} else {
		c.gap("kernel release", evidence.GapUnreadable, err.Error())
	}
	if bt, err := bootTime(c.o.ProcRoot); err == nil {
		h.BootTime = bt.UTC().Format(time.RFC3339)
	} else {
		c.gap("boot time", evidence.GapUnreadable, err.Error())
	}
	return h
}

// osRelease parses the host root's os-release (os-release(5): /etc first, then /usr/lib).
func (c *collector) osRelease() map[string]string {
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		b, err := c.fs.readSmall(p, 64*1024)
		if err != nil {
			continue
		}
		out := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
			if ok && k != "" && !strings.HasPrefix(k, "#") {
				out[k] = strings.Join(splitQuoted(v), " ")
			}
		}
		return out
	}
	c.gap("/etc/os-release", evidence.GapNotFound, "neither /etc/os-release nor /usr/lib/os-release is readable in the host root")
	return nil
}

// bootTime reads btime from the proc root's stat file.
func bootTime(procRoot string) (time.Time, error) {
	b, err := os.ReadFile(filepath.Join(procRoot, "stat"))
	if err != nil {
		return time.Time{}, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "btime "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("btime %q: %w", v, err)
			}
			return time.Unix(n, 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("no btime line in %s", filepath.Join(procRoot, "stat"))
}

// guessDistribution names the node's distribution from the binaries seen in /proc, then
// from the catalog's marker paths, and says why.
func (c *collector) guessDistribution() (string, string) {
	byProg := map[string]string{"k3s": "k3s", "rke2": "rke2", "kubelite": "microk8s"}
	if len(c.seen) > 0 {
		s := c.seen[0]
		return byProg[s.prog], fmt.Sprintf("process %s (pid %d)", s.prog, s.pid)
	}
	for _, p := range c.procs {
		if strings.Contains(p.Exe, "/rancher/rke2/") {
			return "rke2", fmt.Sprintf("%s runs from %s (pid %d)", p.Component, p.Exe, p.PID)
		}
	}
	for _, m := range c.cat.Distributions {
		if c.fs.exists(m.Marker) {
			return m.Distro, "path " + m.Marker + " exists"
		}
	}
	return "unknown", "no distribution binary or marker path found"
}

// idNames maps uids and gids to names from the host root's /etc/passwd and /etc/group.
type idNames struct {
	users, groups map[int]string
}

func loadIDNames(h hostFS) *idNames {
	return &idNames{users: readIDFile(h, "/etc/passwd"), groups: readIDFile(h, "/etc/group")}
}

// readIDFile parses name:x:id:… lines; the first name for an id wins.
func readIDFile(h hostFS, p string) map[int]string {
	out := map[int]string{}
	b, err := h.readSmall(p, 16<<20)
	if err != nil {
		return out
	}
	for _, l := range strings.Split(string(b), "\n") {
		parts := strings.Split(l, ":")
		if len(parts) < 3 || parts[0] == "" || strings.HasPrefix(parts[0], "#") {
			continue
		}
		id, err := strconv.Atoi(parts[2])
		if _, dup := out[id]; err == nil && !dup {
			out[id] = parts[0]
		}
	}
	return out
}

func (n *idNames) user(uid int) string  { return n.users[uid] }
func (n *idNames) group(gid int) string { return n.groups[gid] }
