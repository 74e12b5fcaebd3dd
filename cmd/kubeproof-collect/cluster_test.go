package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/internal/cli"
	"github.com/kubeproof/kubeproof/internal/kubetest"
	"github.com/kubeproof/kubeproof/internal/kubetest/fixtures"
)

func runCollect(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	rc := cli.Main("kubeproof-collect", "test", commands, args, strings.NewReader(""), &out, &errb)
	return rc, errb.String()
}

// openBundle verifies the bundle with its one-time key and returns its manifest and the
// whole decompressed tar stream.
func openBundle(t *testing.T, path string) (*bundle.Manifest, []byte) {
	t.Helper()
	tk, err := bundle.LoadTrustedKeys(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := bundle.Open(f, bundle.Options{Trusted: tk, Limits: bundle.DefaultLimits()})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	for {
		_, rd, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("member: %v", err)
		}
		io.Copy(io.Discard, rd)
	}
	raw, _ := os.ReadFile(path)
	zr, err := zstd.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	tarball, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return r.Manifest(), tarball
}

// TestClusterCommand runs the CLI against the real test server as administrator and as
// the deploy/ ServiceAccount, and checks the signed bundles.
func TestClusterCommand(t *testing.T) {
	kc := kubetest.KubeconfigPath(t)
	admin := kubetest.Config(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	set, err := fixtures.Realistic(ctx, admin, kubetest.NamespaceName(t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	planted := [][]byte{[]byte(set.Planted), []byte(base64.StdEncoding.EncodeToString([]byte(set.Planted)))}

	out := filepath.Join(dir, "admin.tar.zst")
	rc, stderr := runCollect(t, "cluster", "--kubeconfig", kc, "--context", "kube-test-cert", "-o", out)
	if rc != 0 || strings.Contains(stderr, "warning") || !strings.Contains(stderr, "collected ") {
		t.Fatalf("admin run: rc %d, stderr:\n%s", rc, stderr)
	}
	m, tarball := openBundle(t, out)
	if m.Scope != bundle.ScopeCluster || m.Cluster == nil || m.Cluster.Name != "kube-test" ||
		m.Cluster.KubeSystemUID == "" || !strings.HasPrefix(m.Cluster.ServerVersion, "v1.") || len(m.Gaps) != 0 {
		t.Errorf("manifest: scope %q cluster %+v gaps %+v", m.Scope, m.Cluster, m.Gaps)
	}
	for _, p := range planted {
		if bytes.Contains(tarball, p) {
			t.Errorf("planted secret value %q in the decompressed admin bundle", p)
		}
	}
	if !bytes.Contains(tarball, []byte(set.Open+"/")) && !bytes.Contains(tarball, []byte(`"`+set.Open+`"`)) {
		t.Error("the fixtures are not in the bundle")
	}

	kubetest.Apply(t, admin, "../../deploy/cluster-rbac.yaml")
	sakc := kubetest.ServiceAccountKubeconfig(t, kubetest.ServiceAccountConfig(t, admin, "kubeproof", "kubeproof-collector"), dir)
	out = filepath.Join(dir, "sa.tar.zst")
	rc, stderr = runCollect(t, "cluster", "--kubeconfig", sakc, "--quiet", "--cluster-name", "test", "-o", out)
	if rc != 0 || !strings.Contains(stderr, "2 gaps") || !strings.Contains(stderr, "core/v1/secrets: forbidden (HTTP 403)") ||
		!strings.Contains(stderr, "core/v1/configmaps: forbidden (HTTP 403)") {
		t.Fatalf("serviceaccount run: rc %d, stderr:\n%s", rc, stderr)
	}
	if strings.Contains(stderr, "collected ") {
		t.Errorf("--quiet printed the summary line:\n%s", stderr)
	}
	m, tarball = openBundle(t, out)
	if len(m.Gaps) != 2 || m.Gaps[0].Item != "core/v1/configmaps" || m.Gaps[1].Item != "core/v1/secrets" || m.Cluster.Name != "test" {
		t.Errorf("serviceaccount bundle gaps %+v cluster %+v", m.Gaps, m.Cluster)
	}
	for _, p := range planted {
		if bytes.Contains(tarball, p) {
			t.Errorf("planted secret value %q in the decompressed serviceaccount bundle", p)
		}
	}
}

func TestClusterUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		rc   int
		want string
	}{
		{[]string{"cluster"}, cli.ExitUsage, "no output file given"},
		{[]string{"cluster", "--bogus", "-o", "x"}, cli.ExitUsage, "unknown flag: --bogus"},
		{[]string{"cluster", "-o", "x", "extra"}, cli.ExitUsage, `unexpected argument "extra"`},
		{[]string{"cluster", "--kubeconfig", "/nonexistent/kubeconfig", "-o", "x"}, cli.ExitError, "cannot load the Kubernetes client configuration"},
	} {
		rc, stderr := runCollect(t, tc.args...)
		if rc != tc.rc || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "hint:") {
			t.Errorf("%v: rc %d, stderr %q; want rc %d and %q with a hint", tc.args, rc, stderr, tc.rc, tc.want)
		}
	}
}

// TestClusterScripts runs testdata/cluster*.txtar as a user would, against the real test
// server: $KUBETEST_KUBECONFIG (admin), $SA_KUBECONFIG (the deploy/ ServiceAccount),
// $PLANTED and $PLANTED_B64 (a Secret value seeded into the server, plain and base64).
func TestClusterScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/cluster*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/cluster*.txtar: %v", err)
	}
	kc := kubetest.KubeconfigPath(t)
	admin := kubetest.Config(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	set, err := fixtures.Realistic(ctx, admin, kubetest.NamespaceName(t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	kubetest.Apply(t, admin, "../../deploy/cluster-rbac.yaml")
	sakc := kubetest.ServiceAccountKubeconfig(t, kubetest.ServiceAccountConfig(t, admin, "kubeproof", "kubeproof-collector"), t.TempDir())
	testscript.Run(t, testscript.Params{Files: files, Setup: func(env *testscript.Env) error {
		env.Setenv("KUBETEST_KUBECONFIG", kc)
		env.Setenv("SA_KUBECONFIG", sakc)
		env.Setenv("PLANTED", set.Planted)
		env.Setenv("PLANTED_B64", base64.StdEncoding.EncodeToString([]byte(set.Planted)))
		env.Setenv("KUBECONFIG", "/nonexistent/never-used")
		return nil
	}})
}
