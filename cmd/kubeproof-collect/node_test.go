package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/cli"
)

// nodeRun runs the CLI in-process.
func nodeRun(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	rc := cli.Main("kubeproof-collect", "test", commands, args, strings.NewReader(""), &out, &errb)
	return rc, out.String(), errb.String()
}

// readNodeBundle verifies a bundle against pub and returns its members and the whole
// decompressed tar stream.
func readNodeBundle(path, pub string) (map[string][]byte, []byte, error) {
	tk, err := bundle.LoadTrustedKeys(pub)
	if err != nil {
		return nil, nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	r, err := bundle.Open(bytes.NewReader(raw), bundle.Options{Trusted: tk, Limits: bundle.DefaultLimits()})
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	members := map[string][]byte{}
	for {
		m, rd, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if members[m.Path], err = io.ReadAll(rd); err != nil {
			return nil, nil, err
		}
	}
	zr, err := zstd.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, err
	}
	defer zr.Close()
	tarball, err := io.ReadAll(zr)
	return members, tarball, err
}

// spawnLayout starts a testdata/hosts layout's processes with the fakeproc command and
// returns their pids; they are stopped when the test ends.
func spawnLayout(t *testing.T, layout string) []string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "fakeproc")
	if out, err := exec.Command("go", "build", "-o", bin, "../../internal/fakeproc/cmd/fakeproc").CombinedOutput(); err != nil {
		t.Fatalf("build fakeproc: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "spawn", "../../testdata/hosts/"+layout+".json", dir, "120").Output()
	if err != nil {
		t.Fatalf("fakeproc spawn: %v", err)
	}
	pids := strings.Fields(string(out))
	t.Cleanup(func() {
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
		}
	})
	return pids
}

// TestNodeBundle collects each layout with real processes into a signed bundle, verifies
// it, and checks that none of the layout's planted secrets is anywhere in the tar stream.
func TestNodeBundle(t *testing.T) {
	for _, layout := range []string{"kubeadm", "k3s", "rke2", "eks-worker"} {
		t.Run(layout, func(t *testing.T) {
			pids := spawnLayout(t, layout)
			out := filepath.Join(t.TempDir(), layout+".tar.zst")
			rc, _, stderr := nodeRun("node", "--host-root", "../../testdata/hosts/"+layout, "--proc-root", "/proc",
				"--pid-filter", strings.Join(pids, ","), "-o", out)
			if rc != 0 {
				t.Fatalf("exit %d: %s", rc, stderr)
			}
			members, tarball, err := readNodeBundle(out, out+".pub")
			if err != nil {
				t.Fatal(err)
			}
			if i := bytes.Index(tarball, []byte("PLANTED")); i >= 0 {
				t.Errorf("planted secret in the bundle: …%s…", tarball[max(0, i-150):min(len(tarball), i+50)])
			}
			var procs []evidence.Process
			if err := json.Unmarshal(members[evidence.PathProcesses], &procs); err != nil {
				t.Fatal(err)
			}
			running := 0
			for _, p := range procs {
				if p.Source == evidence.SourceProc {
					running++
				}
			}
			if running == 0 || members[evidence.PathHost] == nil {
				t.Errorf("no running component or no host facts: %d processes, stderr %s", len(procs), stderr)
			}
		})
	}
}

func TestNodeScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Files: nodeScripts(t),
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"kubeproof-collect": func(ts *testscript.TestScript, neg bool, args []string) {
				rc, stdout, stderr := nodeRun(absPathArgs(ts, args)...)
				fmt.Fprint(ts.Stdout(), stdout)
				fmt.Fprint(ts.Stderr(), stderr)
				if (rc != 0) != neg {
					ts.Fatalf("exit code %d", rc)
				}
			},
			// bundle-members BUNDLE PUB: verify, then print "path: content" per member.
			"bundle-members": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: bundle-members BUNDLE PUB")
				}
				members, _, err := readNodeBundle(ts.MkAbs(args[0]), ts.MkAbs(args[1]))
				if (err != nil) != neg {
					ts.Fatalf("verify: %v", err)
				}
				for p, b := range members {
					fmt.Fprintf(ts.Stdout(), "%s: %s\n", p, b)
				}
			},
		},
	})
}

func nodeScripts(t *testing.T) []string {
	files, err := filepath.Glob("testdata/node*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/node*.txtar: %v", err)
	}
	return files
}

// absPathArgs makes the values of path flags absolute in the script's work directory (the
// command runs in-process, whose working directory is not the script's).
func absPathArgs(ts *testscript.TestScript, args []string) []string {
	out := append([]string(nil), args...)
	for i := 0; i+1 < len(out); i++ {
		switch out[i] {
		case "--host-root", "--proc-root", "-o", "--output", "--key":
			out[i+1] = ts.MkAbs(out[i+1])
			i++
		}
	}
	return out
}
