package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/collect/cluster"
	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/kubetest"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const plantedEnv = "planted-env-secret-XYZ"

func envContainer() corev1.Container {
	return corev1.Container{Name: "app", Image: "registry.k8s.io/nginx:1.27", Env: []corev1.EnvVar{
		{Name: "API_TOKEN", Value: plantedEnv},
		{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "db-creds"}, Key: "password"}}},
	}}
}

// TestEnvValuesRedactedInBundle collects a real cluster into a real signed bundle: the
// plain-text env value of a Pod and of a Deployment's template is absent from the
// decompressed bytes, while the env names and the secretKeyRef remain, and the inventory
// counts the redactions.
func TestEnvValuesRedactedInBundle(t *testing.T) {
	cfg := kubetest.Config(t)
	ns := kubetest.Namespace(t, cfg, nil)
	cs := kubetest.Clientset(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "env-pod"},
		Spec: corev1.PodSpec{InitContainers: []corev1.Container{envContainer()}, Containers: []corev1.Container{envContainer()}}}
	pod.Spec.InitContainers[0].Name = "init"
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "env"}
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "env-deploy"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{envContainer()}}}}}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	c, err := cluster.New(cluster.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.Identify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w, err := bundle.NewWriter(bundle.Header{Collector: bundle.Collector{Name: "test", Version: "0"}, CreatedAt: time.Now(),
		Scope: bundle.ScopeCluster, Cluster: &bundle.Cluster{Name: "kube-test", KubeSystemUID: id.KubeSystemUID}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if _, err := c.Collect(ctx, w); err != nil {
		t.Fatal(err)
	}
	key, err := bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := w.Finish(&out, key); err != nil {
		t.Fatal(err)
	}

	zr, err := zstd.NewReader(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(plantedEnv)) {
		t.Errorf("the planted env value %q is in the decompressed bundle", plantedEnv)
	}

	objs := map[string][]byte{}
	var resources []evidence.Resource
	r, err := bundle.Open(bytes.NewReader(out.Bytes()), bundle.Options{InsecureSkipVerify: true, Limits: bundle.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	for {
		m, body, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		if m.Path == evidence.PathResources {
			if err := bundle.DecodeJSON(bytes.NewReader(b), &resources, bundle.DefaultLimits()); err != nil {
				t.Fatal(err)
			}
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			if bytes.Contains(line, []byte(`"namespace":"`+ns+`"`)) {
				objs[m.Path[:strings.LastIndex(m.Path, "/")]] = line
			}
		}
	}
	for dir, path := range map[string][]any{"cluster/objects/core/v1/pods": {"spec"},
		"cluster/objects/apps/v1/deployments": {"spec", "template", "spec"}} {
		var o map[string]any
		if err := json.Unmarshal(objs[dir], &o); err != nil {
			t.Fatalf("%s: %v: %s", dir, err, objs[dir])
		}
		env := append(append([]any{}, path...), "containers", 0, "env")
		if get(o, append(env, 0, "name")...) != "API_TOKEN" || get(o, append(env, 0, "value")...) != cluster.RedactedValue {
			t.Errorf("%s: env[0] = %v, want API_TOKEN with value %q", dir, get(o, append(env, 0)...), cluster.RedactedValue)
		}
		if get(o, append(env, 1, "name")...) != "DB_PASSWORD" ||
			get(o, append(env, 1, "valueFrom", "secretKeyRef", "name")...) != "db-creds" ||
			get(o, append(env, 1, "valueFrom", "secretKeyRef", "key")...) != "password" {
			t.Errorf("%s: env[1] = %v, want DB_PASSWORD from secretKeyRef db-creds/password", dir, get(o, append(env, 1)...))
		}
	}
	counts := map[string]int{}
	for _, res := range resources {
		counts[res.Resource] = res.Redacted
	}
	if counts["pods"] < 2 || counts["deployments"] < 1 || counts["namespaces"] != 0 {
		t.Errorf("redaction counts %v, want pods ≥ 2, deployments ≥ 1, namespaces 0", counts)
	}
}
