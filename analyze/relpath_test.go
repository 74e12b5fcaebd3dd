package analyze

import (
	"testing"

	"github.com/kubeproof/kubeproof/analyze/gen"
	"github.com/kubeproof/kubeproof/internal/result"
)

// manyFiles is a nodeFiles of several files.
type manyFiles map[string]evidenceFileV

func (m manyFiles) lookup(p string) (*evidenceFile, string, bool) {
	f, ok := m[p]
	if !ok {
		return nil, "", false
	}
	return &f, "node/files" + p + ".json", true
}
func (manyFiles) gap(string) (evidenceGap, bool) { return evidenceGap{}, false }

// TestRelativeConfigPaths: a relative path in a kubelet config file or drop-in is resolved
// against that file's directory (the kubelet's own rule); other fields and flags are not.
func TestRelativeConfigPaths(t *testing.T) {
	tab, err := componentTable()
	if err != nil {
		t.Fatal(err)
	}
	files := manyFiles{
		"/etc/kubernetes/kubelet/kubelet-config.json": gen.File("/etc/kubernetes/kubelet/kubelet-config.json", 0o644, map[string]any{
			"authentication": map[string]any{"x509": map[string]any{"clientCAFile": "../pki/ca.crt"}},
			"staticPodPath":  "/etc/kubernetes/manifests",
			"tlsCertFile":    "serving.crt",
			"clusterDomain":  "cluster.local",
		}),
		"/etc/kubelet.d": gen.Dir("/etc/kubelet.d", 0o755, []string{"10-tls.conf"}),
		"/etc/kubelet.d/10-tls.conf": gen.File("/etc/kubelet.d/10-tls.conf", 0o644, map[string]any{
			"tlsPrivateKeyFile": "./keys/serving.key",
		}),
	}
	p := gen.Proc("kubelet", "proc", "kubelet", "--config=/etc/kubernetes/kubelet/kubelet-config.json", "--config-dir=/etc/kubelet.d")
	c := resolve(tab["kubelet"], &p, "node/processes.json", "", files, nil, "")
	if len(c.Gaps) > 0 {
		t.Fatalf("gaps: %v", c.Gaps)
	}
	for key, want := range map[string]string{
		"authentication.x509.clientCAFile": "/etc/kubernetes/pki/ca.crt",
		"staticPodPath":                    "/etc/kubernetes/manifests",
		"tlsCertFile":                      "/etc/kubernetes/kubelet/serving.crt",
		"tlsPrivateKeyFile":                "/etc/kubelet.d/keys/serving.key", // the drop-in's directory
		"clusterDomain":                    "cluster.local",                   // not a path field
	} {
		if got := c.Values[key].Value; got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if v := c.Values["authentication.x509.clientCAFile"]; v.Source != result.SourceConfigFile || v.File != "/etc/kubernetes/kubelet/kubelet-config.json" {
		t.Errorf("clientCAFile source %+v", v)
	}
	// a flag's relative path is relative to the working directory: left as written
	p = gen.Proc("kubelet", "proc", "kubelet", "--config=/etc/kubernetes/kubelet/kubelet-config.json", "--client-ca-file=rel/ca.crt")
	c = resolve(tab["kubelet"], &p, "node/processes.json", "", files, nil, "")
	if got := c.Values["authentication.x509.clientCAFile"].Value; got != "rel/ca.crt" {
		t.Errorf("flag value = %q, want it as written", got)
	}
}
