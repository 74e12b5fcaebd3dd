// Package fakeproc starts real processes with a chosen argv, environment and executable
// name, so that tests and the demo exercise the node collector's /proc parsing for real.
//
// The processes are copies of the calling binary that sleep: a test's TestMain (or the
// fakeproc command) calls ChildMain first, which blocks forever when the process was started
// by Start. They exit on SIGTERM/SIGINT, or by themselves after a time to live so that none
// is left behind.
package fakeproc

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

const (
	envChild = "KUBEPROOF_FAKEPROC"
	envTTL   = "KUBEPROOF_FAKEPROC_TTL"
	// DefaultTTL is how long a fake process lives when nobody stops it.
	DefaultTTL = 10 * time.Minute
)

// Proc is one process to start.
type Proc struct {
	// Argv is the full argument vector, argv[0] included ("kube-apiserver", "--a=b", …).
	Argv []string `json:"argv"`
	// Exe is the base name of the executable (/proc/PID/exe); default: argv[0]'s base name.
	Exe string `json:"exe,omitempty"`
	// Env is the environment beyond the helper's own variable (e.g. ETCD_NAME).
	Env map[string]string `json:"env,omitempty"`
}

// FileSpec is the mode and owner a layout's file should have on a real host.
type FileSpec struct {
	Path string `json:"path"` // host path, e.g. /etc/kubernetes/pki/ca.key
	Mode string `json:"mode"` // octal, e.g. "0600"
	UID  int    `json:"uid"`
	GID  int    `json:"gid"`
}

// Spec is a simulated host layout's processes and file attributes (testdata/hosts/*.json).
type Spec struct {
	Description string     `json:"description"`
	Processes   []Proc     `json:"processes"`
	Files       []FileSpec `json:"files"`
}

// LoadSpec reads a layout spec.
func LoadSpec(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read layout spec: %w", err)
	}
	var s Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("layout spec %q: %w", path, err)
	}
	return &s, nil
}

// ChildMain returns at once unless this process was started by Start; then it sleeps until
// signalled or its time to live ends, and exits.
func ChildMain() {
	if os.Getenv(envChild) == "" {
		return
	}
	ttl := DefaultTTL
	if s, err := strconv.Atoi(os.Getenv(envTTL)); err == nil && s > 0 {
		ttl = time.Duration(s) * time.Second
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-sig:
	case <-time.After(ttl):
	}
	os.Exit(0)
}

// Start starts p as a copy of the running executable placed in dir (named p.Exe or argv[0]'s
// base name) and returns the started command; the caller stops it (Stop).
func Start(dir string, p Proc, ttl time.Duration) (*exec.Cmd, error) {
	if len(p.Argv) == 0 {
		return nil, fmt.Errorf("fakeproc: empty argv")
	}
	name := p.Exe
	if name == "" {
		name = filepath.Base(p.Argv[0])
	}
	exe, err := placeSelf(dir, name)
	if err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{Path: exe, Args: p.Argv, Dir: "/"}
	cmd.Env = []string{envChild + "=1", envTTL + "=" + strconv.Itoa(int(ttl.Seconds()))}
	for k, v := range p.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("fakeproc: start %q: %w", p.Argv, err)
	}
	return cmd, nil
}

// Stop ends a started process and reaps it.
func Stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_, _ = cmd.Process.Wait()
}

// placeSelf puts a copy (or hard link) of the running executable at dir/name.
func placeSelf(dir, name string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("fakeproc: %w", err)
	}
	dst := filepath.Join(dir, name)
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	if err := os.Link(self, dst); err == nil {
		return dst, nil
	}
	in, err := os.Open(self)
	if err != nil {
		return "", fmt.Errorf("fakeproc: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return "", fmt.Errorf("fakeproc: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", fmt.Errorf("fakeproc: copy to %q: %w", dst, err)
	}
	return dst, out.Close()
}

// Apply gives the files under root the modes and owners of the spec (chown needs root).
func Apply(root string, files []FileSpec) error {
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		mode, err := strconv.ParseUint(f.Mode, 8, 32)
		if err != nil {
			return fmt.Errorf("file %q: mode %q: %w", f.Path, f.Mode, err)
		}
		if err := os.Lchown(p, f.UID, f.GID); err != nil {
			return fmt.Errorf("file %q: %w", f.Path, err)
		}
		if err := os.Chmod(p, os.FileMode(mode)); err != nil {
			return fmt.Errorf("file %q: %w", f.Path, err)
		}
	}
	return nil
}
