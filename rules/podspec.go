package rules

import (
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// podSpecPaths says where each kind keeps the pod spec its pods run with: a Pod its own
// spec, a workload controller the spec of its pod template (docs/rules.md, `podSpec`).
var podSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"Deployment":            {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

// PodSpecKinds reports whether kind carries a pod spec that PodSpec finds.
func PodSpecKinds(kind string) bool { _, ok := podSpecPaths[kind]; return ok }

// PodSpec returns the pod spec of obj (a CEL map, or a JSON-like map[string]any): the spec
// of a Pod, the template's pod spec of a Deployment, DaemonSet, StatefulSet, ReplicaSet,
// ReplicationController or Job, and spec.jobTemplate.spec.template.spec of a CronJob. For
// those kinds a missing spec gives an empty map (so `podSpec.?containers` works); for any
// other kind, or when obj is not a map, it gives null.
func PodSpec(obj any) ref.Val {
	m, ok := ToValue(obj).(traits.Mapper)
	if !ok {
		return types.NullValue
	}
	kind, _ := lookup(m, "kind").(types.String)
	path, ok := podSpecPaths[string(kind)]
	if !ok {
		return types.NullValue
	}
	var cur ref.Val = m
	for _, k := range path {
		mm, ok := cur.(traits.Mapper)
		if !ok {
			return emptyMap
		}
		cur = lookup(mm, k)
	}
	if _, ok := cur.(traits.Mapper); !ok {
		return emptyMap
	}
	return cur
}

var emptyMap = types.NewRefValMap(types.DefaultTypeAdapter, map[ref.Val]ref.Val{})

func lookup(m traits.Mapper, key string) ref.Val {
	if v, found := m.Find(types.String(key)); found {
		return v
	}
	return nil
}
