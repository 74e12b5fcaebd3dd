package cluster

import "bytes"

// RedactedValue replaces the plain-text value of every container environment variable:
// such values often hold passwords and tokens, and secrets never enter a bundle. The
// variable's name and valueFrom (e.g. secretKeyRef) are kept.
const RedactedValue = "[redacted]"

// redactedJSON is RedactedValue as a JSON string.
var redactedJSON = []byte(`"` + RedactedValue + `"`)

// podSpecPaths maps a kind to the path of its pod spec, for the kinds that carry one.
var podSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"PodTemplate":           {"template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Deployment":            {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

// containerLists are the pod spec fields holding containers.
var containerLists = []string{"containers", "initContainers", "ephemeralContainers"}

// mayHaveEnv is the cheap test that lets objects without environment values skip the
// redaction walk: the key "env" written plainly, or any \u escape (which could spell it).
func mayHaveEnv(raw []byte) bool {
	return bytes.Contains(raw, []byte(`"env"`)) || bytes.Contains(raw, []byte(`\u`))
}

// redactTop redacts the env values of the pod spec of an object of kind, given the
// object's top-level members (changed in place). It returns how many values it replaced.
// Values of an unexpected JSON type along the way are left as they are: they cannot hold
// an env value.
func redactTop(top []member, kind string) int {
	path, ok := podSpecPaths[kind]
	if !ok {
		return 0
	}
	for i := range top {
		if top[i].key != path[0] {
			continue
		}
		v, n := redactAt(top[i].val, path[1:])
		top[i].val = v
		return n
	}
	return 0
}

// redactAt follows path from the object raw down to a pod spec and redacts it.
func redactAt(raw []byte, path []string) ([]byte, int) {
	if len(path) == 0 {
		return redactPodSpec(raw)
	}
	return rewriteMember(raw, path[0], func(v []byte) ([]byte, int) { return redactAt(v, path[1:]) })
}

// redactPodSpec redacts the env values of every container list of a pod spec.
func redactPodSpec(raw []byte) ([]byte, int) {
	ms, err := splitObject(raw)
	if err != nil {
		return raw, 0
	}
	total, found := 0, false
	for i := range ms {
		for _, k := range containerLists {
			if ms[i].key == k {
				v, n := rewriteElements(ms[i].val, func(c []byte) ([]byte, int) {
					return rewriteMember(c, "env", redactEnv)
				})
				ms[i].val, total, found = v, total+n, true
			}
		}
	}
	return rebuilt(raw, ms, found), total
}

// redactEnv replaces the value of each entry of an env array.
func redactEnv(raw []byte) ([]byte, int) {
	return rewriteElements(raw, func(e []byte) ([]byte, int) {
		return rewriteMember(e, "value", func(v []byte) ([]byte, int) {
			if string(v) == "null" || string(v) == `""` || bytes.Equal(v, redactedJSON) {
				return v, 0 // nothing to hide
			}
			return redactedJSON, 1
		})
	})
}

// rewriteMember applies fn to member key of the object raw. raw is returned unchanged
// when it is not an object or has no such member.
func rewriteMember(raw []byte, key string, fn func([]byte) ([]byte, int)) ([]byte, int) {
	ms, err := splitObject(raw)
	if err != nil {
		return raw, 0
	}
	total, found := 0, false
	for i := range ms {
		if ms[i].key == key {
			v, n := fn(ms[i].val)
			ms[i].val, total, found = v, total+n, true
		}
	}
	return rebuilt(raw, ms, found), total
}

// rebuilt writes ms as a sorted object when a member of interest was found, else returns
// raw. Rebuilding drops duplicate keys (the last one wins, as when decoding), so a value
// hidden in an earlier duplicate cannot survive.
func rebuilt(raw []byte, ms []member, found bool) []byte {
	if !found {
		return raw
	}
	var b bytes.Buffer
	writeObject(&b, ms)
	return b.Bytes()
}

// rewriteElements applies fn to each element of the array raw; raw is returned
// unchanged when it is not an array.
func rewriteElements(raw []byte, fn func([]byte) ([]byte, int)) ([]byte, int) {
	var els [][]byte
	total := 0
	err := eachElement(raw, func(e []byte) error {
		v, n := fn(e)
		els = append(els, v)
		total += n
		return nil
	})
	if err != nil || !isArray(raw) {
		return raw, 0
	}
	var b bytes.Buffer
	b.WriteByte('[')
	b.Write(bytes.Join(els, []byte{','}))
	b.WriteByte(']')
	return b.Bytes(), total
}

func isArray(raw []byte) bool { return len(raw) > 0 && raw[0] == '[' }
