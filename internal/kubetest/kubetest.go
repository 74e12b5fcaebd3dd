// Package kubetest connects integration tests to the real kube-apiserver + etcd started by
// `make kube-up` (hack/kube-up.sh). Tests read their kubeconfig from the dedicated
// variable KUBEPROOF_TEST_KUBECONFIG or from .kube-test/kubeconfig found by walking up
// from the test's directory — never from KUBECONFIG, which may point at a real cluster.
// Without a server, tests skip with a hint; with CI=true they fail instead.
package kubetest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// EnvKubeconfig names the kubeconfig of the test server, overriding .kube-test/kubeconfig.
const EnvKubeconfig = "KUBEPROOF_TEST_KUBECONFIG"

// KubeconfigPath returns the test server's kubeconfig path, or skips (fails when CI=true)
// when there is none or the server does not answer.
func KubeconfigPath(t testing.TB) string {
	t.Helper()
	p, err := find()
	if err == nil {
		err = ping(p)
	}
	if err != nil {
		unavailable(t, err)
	}
	return p
}

// Config returns a client configuration for the test server's admin (token) context.
func Config(t testing.TB) *rest.Config {
	t.Helper()
	return ContextConfig(t, "")
}

// ContextConfig returns a client configuration for the named context of the test
// kubeconfig ("" for its current context; "kube-test-cert" uses the admin client cert).
func ContextConfig(t testing.TB, context string) *rest.Config {
	t.Helper()
	cfg, err := load(KubeconfigPath(t), context)
	if err != nil {
		t.Fatalf("kubetest: %v", err)
	}
	return cfg
}

// Clientset returns a typed client for cfg.
func Clientset(t testing.TB, cfg *rest.Config) *kubernetes.Clientset {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("kubetest: clientset: %v", err)
	}
	return cs
}

// Namespace creates a fresh namespace named after the test (plus a random suffix) with
// the given labels and returns its name. It is not deleted: with no controllers running,
// a deleted namespace stays Terminating forever; each run uses new names instead.
func Namespace(t testing.TB, cfg *rest.Config, labels map[string]string) string {
	t.Helper()
	name := NamespaceName(t.Name())
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Clientset(t, cfg).CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("kubetest: create namespace %q: %v", name, err)
	}
	return name
}

// NamespaceName turns prefix into a valid, unique namespace name.
func NamespaceName(prefix string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(prefix) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	suf := make([]byte, 4)
	_, _ = rand.Read(suf)
	return "kp-" + s + "-" + hex.EncodeToString(suf)
}

// find locates the kubeconfig: $KUBEPROOF_TEST_KUBECONFIG, else .kube-test/kubeconfig in
// the working directory or one of its parents.
func find() (string, error) {
	if p := os.Getenv(EnvKubeconfig); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%q: %w", EnvKubeconfig, p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, ".kube-test", "kubeconfig")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no .kube-test/kubeconfig in this directory or its parents, and " + EnvKubeconfig + " is not set")
		}
		dir = parent
	}
}

func load(path, context string) (*rest.Config, error) {
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: path}
	over := &clientcmd.ConfigOverrides{CurrentContext: context}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, over).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load test kubeconfig %q: %w", path, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	return cfg, nil
}

// ping checks that the server behind kubeconfig p answers /readyz.
func ping(p string) error {
	cfg, err := load(p, "")
	if err != nil {
		return err
	}
	cfg.Timeout = 5 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
		return fmt.Errorf("test API server of %q is not ready: %w", p, err)
	}
	return nil
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf("no test kube-apiserver: %v (run `make kube-up`, or set %s)", err, EnvKubeconfig)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
		return
	}
	t.Skip(msg)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
