package rules

import (
	"testing"

	"github.com/google/cel-go/common/types"
	"go.yaml.in/yaml/v3"
)

func TestPodSpec(t *testing.T) {
	spec := map[string]any{"hostPID": true}
	tmpl := map[string]any{"template": map[string]any{"spec": spec}}
	cases := []struct {
		name string
		obj  any
		want any // nil: null; map: the spec; "empty": an empty map
	}{
		{"pod", map[string]any{"kind": "Pod", "spec": spec}, spec},
		{"deployment", map[string]any{"kind": "Deployment", "spec": tmpl}, spec},
		{"daemonset", map[string]any{"kind": "DaemonSet", "spec": tmpl}, spec},
		{"statefulset", map[string]any{"kind": "StatefulSet", "spec": tmpl}, spec},
		{"replicaset", map[string]any{"kind": "ReplicaSet", "spec": tmpl}, spec},
		{"job", map[string]any{"kind": "Job", "spec": tmpl}, spec},
		{"cronjob", map[string]any{"kind": "CronJob", "spec": map[string]any{"jobTemplate": map[string]any{"spec": tmpl}}}, spec},
		{"cronjob reads not spec.template", map[string]any{"kind": "CronJob", "spec": tmpl}, "empty"},
		{"deployment without template", map[string]any{"kind": "Deployment", "spec": map[string]any{}}, "empty"},
		{"pod with null spec", map[string]any{"kind": "Pod", "spec": nil}, "empty"},
		{"namespace", map[string]any{"kind": "Namespace", "spec": spec}, nil},
		{"no kind", map[string]any{"spec": spec}, nil},
		{"not a map", "Pod", nil},
		{"nil", nil, nil},
	}
	for _, c := range cases {
		got := PodSpec(c.obj)
		switch w := c.want.(type) {
		case nil:
			if got != types.NullValue {
				t.Errorf("%s: PodSpec = %v, want null", c.name, got)
			}
		case string:
			if got.Equal(ToValue(map[string]any{})) != types.True {
				t.Errorf("%s: PodSpec = %v, want an empty map", c.name, got)
			}
		default:
			if got.Equal(ToValue(w)) != types.True {
				t.Errorf("%s: PodSpec = %v, want %v", c.name, got, w)
			}
		}
	}
}

// TestPodSpecVariable checks that the test runner binds podSpec from the object, so rule
// cases with workloads judge the template and not the workload's own spec.
func TestPodSpecVariable(t *testing.T) {
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	ast, iss := env.Compile(`podSpec == null ? "null" : string(podSpec.?hostPID.orValue(false))`)
	if iss.Err() != nil {
		t.Fatal(iss.Err())
	}
	prg, err := env.Program(ast)
	if err != nil {
		t.Fatal(err)
	}
	for obj, want := range map[string]string{
		`{kind: CronJob, spec: {hostPID: false, jobTemplate: {spec: {template: {spec: {hostPID: true}}}}}}`: "true",
		`{kind: Namespace, spec: {hostPID: true}}`:                                                          "null",
	} {
		var tc TestCase
		if err := yaml.Unmarshal([]byte("object: "+obj), &tc); err != nil {
			t.Fatal(err)
		}
		out, _, err := prg.Eval(newActivation(tc.Input()))
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Value(); got != want {
			t.Errorf("%s: got %v, want %s", obj, got, want)
		}
	}
}
