package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kubeproof/kubeproof/evidence"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
)

// mode is how a target is read.
type mode int

const (
	modeRaw   mode = iota // chunked LIST, raw JSON, sanitized per object
	modeMeta              // chunked LIST as PartialObjectMetadataList: metadata only (Secrets)
	modeNames             // like modeMeta, but only each object's name is kept (CRDs)
	// modeMetaNamed GETs a few named objects in one namespace in full (the component
	// ConfigMaps), then lists every object of the resource metadata only, skipping the
	// named ones: each object appears once, and absence across the cluster is provable.
	modeMetaNamed
)

// spec is one resource the CIS recommendations need.
type spec struct {
	group, resource string
	mode            mode
	namespace       string   // modeMetaNamed only
	names           []string // modeMetaNamed only
}

// specs is what the collector reads, in bundle order. Cluster-scoped and namespaced
// resources are listed across all namespaces.
var specs = []spec{
	{group: "", resource: "namespaces"},
	{group: "", resource: "nodes"},
	{group: "", resource: "pods"},
	{group: "", resource: "serviceaccounts"},
	{group: "", resource: "secrets", mode: modeMeta},
	{group: "", resource: "services", mode: modeMeta},
	{group: "", resource: "configmaps", mode: modeMetaNamed, namespace: "kube-system",
		names: []string{"kubeadm-config", "kubelet-config", "kube-proxy"}},
	{group: "apps", resource: "deployments"},
	{group: "apps", resource: "daemonsets"},
	{group: "apps", resource: "statefulsets"},
	{group: "apps", resource: "replicasets"},
	{group: "batch", resource: "jobs"},
	{group: "batch", resource: "cronjobs"},
	{group: "rbac.authorization.k8s.io", resource: "roles"},
	{group: "rbac.authorization.k8s.io", resource: "rolebindings"},
	{group: "rbac.authorization.k8s.io", resource: "clusterroles"},
	{group: "rbac.authorization.k8s.io", resource: "clusterrolebindings"},
	{group: "networking.k8s.io", resource: "networkpolicies"},
	{group: "networking.k8s.io", resource: "ingresses", mode: modeMeta},
	{group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations"},
	{group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations"},
	{group: "admissionregistration.k8s.io", resource: "validatingadmissionpolicies"},
	{group: "admissionregistration.k8s.io", resource: "validatingadmissionpolicybindings"},
	{group: "admissionregistration.k8s.io", resource: "mutatingadmissionpolicies"},
	{group: "admissionregistration.k8s.io", resource: "mutatingadmissionpolicybindings"},
	{group: "policy", resource: "podsecuritypolicies"},
	{group: "apiextensions.k8s.io", resource: "customresourcedefinitions", mode: modeNames},
}

// target is a spec resolved against discovery.
type target struct {
	spec
	version, kind string
	namespaced    bool
	served        bool
}

// groupDir is the group as it appears in member paths and gap items ("core" for "").
func (t target) groupDir() string {
	if t.group == "" {
		return "core"
	}
	return t.group
}

// item names the target in gaps and progress: "apps/v1/deployments", "core/v1/pods".
func (t target) item() string {
	if t.version == "" {
		return t.groupDir() + "/" + t.resource
	}
	return t.groupDir() + "/" + t.version + "/" + t.resource
}

// apiVersion is the objects' apiVersion field: "v1", "apps/v1".
func (t target) apiVersion() string {
	if t.group == "" {
		return t.version
	}
	return t.group + "/" + t.version
}

// path is the LIST path, e.g. /apis/apps/v1/deployments.
func (t target) path() string {
	if t.group == "" {
		return "/api/" + t.version + "/" + t.resource
	}
	return "/apis/" + t.group + "/" + t.version + "/" + t.resource
}

// member is the bundle member of page n (1-based).
func (t target) member(n int) string {
	return fmt.Sprintf("%s%s/%s/%s/%05d.jsonl", evidence.PrefixObjects, t.groupDir(), t.version, t.resource, n)
}

func (t target) inventory() evidence.Resource {
	return evidence.Resource{
		Group: t.group, Version: t.version, Resource: t.resource, Kind: t.kind,
		Namespaced: t.namespaced, Served: t.served,
		MetaOnly: t.mode == modeMeta || t.mode == modeNames,
	}
}

// discover resolves specs against the server's discovery documents. Groups whose
// discovery failed become gaps (and their targets are not attempted); resources the
// server does not serve are kept with served=false.
func (c *Collector) discover(ctx context.Context, s Sink) []target {
	_ = ctx // ServerGroupsAndResources takes no context; the request timeout bounds it.
	groups, lists, err := c.disc.ServerGroupsAndResources()
	failed := map[string]error{}
	if err != nil {
		var gdf *discovery.ErrGroupDiscoveryFailed
		if !errors.As(err, &gdf) {
			c.gap(s, gapFor("discovery", err))
			return nil
		}
		for gv, e := range gdf.Groups {
			failed[gv.Group] = e
			c.gap(s, gapFor("discovery "+gv.String(), e))
		}
	}
	idx := indexResources(lists)
	var ts []target
	for _, sp := range specs {
		if _, bad := failed[sp.group]; bad {
			continue
		}
		ts = append(ts, resolve(sp, groups, idx))
	}
	return ts
}

// indexResources maps "group/version" to its top-level resources by name.
func indexResources(lists []*metav1.APIResourceList) map[string]map[string]metav1.APIResource {
	idx := map[string]map[string]metav1.APIResource{}
	for _, l := range lists {
		m := map[string]metav1.APIResource{}
		for _, r := range l.APIResources {
			if !strings.Contains(r.Name, "/") {
				m[r.Name] = r
			}
		}
		idx[l.GroupVersion] = m
	}
	return idx
}

// resolve picks the group's preferred version that serves sp, else the first other one.
func resolve(sp spec, groups []*metav1.APIGroup, idx map[string]map[string]metav1.APIResource) target {
	t := target{spec: sp}
	for _, g := range groups {
		if g.Name != sp.group {
			continue
		}
		versions := append([]metav1.GroupVersionForDiscovery{g.PreferredVersion}, g.Versions...)
		for _, v := range versions {
			r, ok := idx[v.GroupVersion][sp.resource]
			if ok && servesList(r) {
				t.version, t.kind, t.namespaced, t.served = v.Version, r.Kind, r.Namespaced, true
				return t
			}
		}
	}
	return t
}

func servesList(r metav1.APIResource) bool {
	for _, v := range r.Verbs {
		if v == "list" {
			return true
		}
	}
	return false
}
