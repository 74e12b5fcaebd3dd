package kubetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/yaml"
)

// Apply creates, or updates in place, every object of the multi-document YAML file at
// path (like `kubectl apply` without the last-applied annotation).
func Apply(t testing.TB, cfg *rest.Config, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("kubetest: %v", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("kubetest: %v", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(Clientset(t, cfg).Discovery()))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i, doc := range bytes.Split(data, []byte("\n---")) {
		var obj unstructured.Unstructured
		if err := yaml.Unmarshal(doc, &obj.Object); err != nil {
			t.Fatalf("kubetest: %s: document %d: %v", path, i+1, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		gvk := obj.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatalf("kubetest: %s: document %d (%s): %v", path, i+1, gvk, err)
		}
		ri := dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
		if err := upsert(ctx, ri, &obj); err != nil {
			t.Fatalf("kubetest: %s: apply %s %q: %v", path, gvk.Kind, obj.GetName(), err)
		}
	}
}

// upsert creates obj or updates it in place; test packages run in parallel and may apply
// the same file at once, so conflicts are retried.
func upsert(ctx context.Context, ri dynamic.ResourceInterface, obj *unstructured.Unstructured) error {
	_, err := ri.Create(ctx, obj, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := ri.Get(ctx, obj.GetName(), metav1.GetOptions{})
		if err != nil {
			return err
		}
		obj.SetResourceVersion(cur.GetResourceVersion())
		_, err = ri.Update(ctx, obj, metav1.UpdateOptions{})
		return err
	})
}

// ServiceAccountConfig returns a configuration that authenticates as the ServiceAccount
// ns/name with a fresh token from the TokenRequest API, trusting the same server CA.
func ServiceAccountConfig(t testing.TB, admin *rest.Config, ns, name string) *rest.Config {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr := &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr(int64(3600))}}
	tok, err := Clientset(t, admin).CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, tr, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("kubetest: token for serviceaccount %s/%s: %v", ns, name, err)
	}
	cfg := rest.AnonymousClientConfig(admin)
	cfg.BearerToken = tok.Status.Token
	return cfg
}

// ServiceAccountKubeconfig writes a kubeconfig for cfg (a token config from
// ServiceAccountConfig) into dir and returns its path.
func ServiceAccountKubeconfig(t testing.TB, cfg *rest.Config, dir string) string {
	t.Helper()
	ca := cfg.CAData
	if len(ca) == 0 && cfg.CAFile != "" {
		var err error
		if ca, err = os.ReadFile(cfg.CAFile); err != nil {
			t.Fatalf("kubetest: %v", err)
		}
	}
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kube-test
  cluster: {server: %q, certificate-authority-data: %q}
users:
- name: sa
  user: {token: %q}
contexts:
- name: sa
  context: {cluster: kube-test, user: sa}
current-context: sa
`, cfg.Host, b64(ca), cfg.BearerToken)
	p := dir + "/sa.kubeconfig"
	if err := os.WriteFile(p, []byte(kc), 0o600); err != nil {
		t.Fatalf("kubetest: %v", err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }
