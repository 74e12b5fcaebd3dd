// Command seed fills the test API server with objects for the cluster collector's
// benchmark, and measures a plain chunked LIST of the resources the collector reads
// (the baseline the collector is compared with). Used by hack/bench-cluster.sh.
//
//	go run ./hack/seed -kubeconfig .kube-test/kubeconfig seed -objects 20000
//	go run ./hack/seed -kubeconfig .kube-test/kubeconfig list
//
// The kubeconfig must be named explicitly: this never falls back to $KUBECONFIG.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeproof/kubeproof/internal/kubetest/fixtures"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the test server (required)")
	objects := flag.Int("objects", 20000, "seed: objects to create")
	nss := flag.Int("namespaces", 23, "seed: namespaces to spread them over")
	workers := flag.Int("workers", 8, "seed: parallel creators")
	pageSize := flag.Int64("page-size", 500, "list: chunk size")
	flag.Parse()
	if *kubeconfig == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: seed -kubeconfig FILE [flags] seed|list")
		os.Exit(2)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail(err)
	}
	cfg.QPS, cfg.Burst = 1000, 1000
	ctx := context.Background()
	switch flag.Arg(0) {
	case "seed":
		err = seed(ctx, cfg, *objects, *nss, *workers)
	case "list":
		err = list(ctx, cfg, *pageSize)
	default:
		err = fmt.Errorf("unknown mode %q (seed or list)", flag.Arg(0))
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "seed: error:", err)
	os.Exit(1)
}

// seed creates (idempotently) the bench namespaces, a default ServiceAccount in each and
// the bulk objects.
func seed(ctx context.Context, cfg *rest.Config, n, k, workers int) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	var names []string
	for i := range k {
		name := fmt.Sprintf("kp-bench-%02d", i)
		names = append(names, name)
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	marker := fmt.Sprintf("%d/%d", n, k)
	first, err := cs.CoreV1().Namespaces().Get(ctx, names[0], metav1.GetOptions{})
	if err != nil {
		return err
	}
	if first.Annotations[seededAnnotation] == marker {
		fmt.Fprintf(os.Stderr, "seed: %d objects in %d namespaces already there\n", n, k)
		return nil
	}
	start := time.Now()
	err = fixtures.Bulk(ctx, cfg, names, nil, n, workers, func(d int) {
		fmt.Fprintf(os.Stderr, "\rseed: %d/%d", d, n)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "\rseed: %d objects in %d namespaces ready in %s\n", n, k, time.Since(start).Round(time.Millisecond))
	if first.Annotations == nil {
		first.Annotations = map[string]string{}
	}
	first.Annotations[seededAnnotation] = marker
	_, err = cs.CoreV1().Namespaces().Update(ctx, first, metav1.UpdateOptions{})
	return err
}

// seededAnnotation on the first bench namespace records a completed seed ("objects/namespaces").
const seededAnnotation = "kubeproof.dev/bench-seeded"

// paths are the LISTs the collector makes on a v1.37 server (secrets via metadata).
var paths = []string{
	"/api/v1/namespaces", "/api/v1/nodes", "/api/v1/pods", "/api/v1/serviceaccounts", "/api/v1/secrets",
	"/apis/apps/v1/deployments", "/apis/apps/v1/daemonsets", "/apis/apps/v1/statefulsets", "/apis/apps/v1/replicasets",
	"/apis/batch/v1/jobs", "/apis/batch/v1/cronjobs",
	"/apis/rbac.authorization.k8s.io/v1/roles", "/apis/rbac.authorization.k8s.io/v1/rolebindings",
	"/apis/rbac.authorization.k8s.io/v1/clusterroles", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
	"/apis/networking.k8s.io/v1/networkpolicies",
	"/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
	"/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
	"/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies",
	"/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
	"/apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicies",
	"/apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicybindings",
	"/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
}

const metaAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"

// list is the baseline: a plain chunked LIST of every path, bodies read and parsed only
// for the continue token and the item count, nothing kept or written.
func list(ctx context.Context, cfg *rest.Config, limit int64) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	rc := cs.Discovery().RESTClient()
	start, total := time.Now(), 0
	for _, p := range paths {
		accept := "application/json"
		if p == "/api/v1/secrets" {
			accept = metaAccept
		}
		cont := ""
		for {
			req := rc.Get().AbsPath(p).Param("limit", strconv.FormatInt(limit, 10)).SetHeader("Accept", accept)
			if cont != "" {
				req = req.Param("continue", cont)
			}
			n, next, err := page(ctx, req)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			total += n
			if cont = next; cont == "" {
				break
			}
		}
	}
	fmt.Printf("plain chunked LIST: %d objects in %.3fs\n", total, time.Since(start).Seconds())
	return nil
}

func page(ctx context.Context, req *rest.Request) (int, string, error) {
	body, err := req.Stream(ctx)
	if err != nil {
		return 0, "", err
	}
	defer body.Close()
	var l struct {
		Metadata struct {
			Continue string `json:"continue"`
		} `json:"metadata"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.NewDecoder(body).Decode(&l); err != nil {
		return 0, "", err
	}
	_, _ = io.Copy(io.Discard, body)
	return len(l.Items), l.Metadata.Continue, nil
}
