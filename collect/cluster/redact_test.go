package cluster

import (
	"bytes"
	"strings"
	"testing"
)

func sanitized(t *testing.T, raw, kind string) (string, int) {
	t.Helper()
	var b bytes.Buffer
	_, n, err := writeSanitized(&b, []byte(raw), "v1", kind)
	if err != nil {
		t.Fatalf("%s %s: %v", kind, raw, err)
	}
	return b.String(), n
}

// TestRedactEnvPaths: every kind with a pod spec has the values of all its container
// lists replaced, names and valueFrom kept, and the count reported.
func TestRedactEnvPaths(t *testing.T) {
	const ps = `{"containers":[{"name":"c","env":[{"name":"PW","value":"s3cret"},` +
		`{"name":"REF","valueFrom":{"secretKeyRef":{"name":"db","key":"pw"}}},{"name":"E","value":""}]}],` +
		`"initContainers":[{"name":"i","env":[{"value":"tok1","name":"T"}]}],` +
		`"ephemeralContainers":[{"name":"d","env":[{"name":"X","value":"tok2"}]}]}`
	const want = `{"containers":[{"env":[{"name":"PW","value":"[redacted]"},` +
		`{"name":"REF","valueFrom":{"secretKeyRef":{"name":"db","key":"pw"}}},{"name":"E","value":""}],"name":"c"}],` +
		`"ephemeralContainers":[{"env":[{"name":"X","value":"[redacted]"}],"name":"d"}],` +
		`"initContainers":[{"env":[{"name":"T","value":"[redacted]"}],"name":"i"}]}`
	wrap := map[string]string{
		"Pod":         `{"spec":%s}`,
		"PodTemplate": `{"template":{"spec":%s}}`,
		"Deployment":  `{"spec":{"replicas":1,"template":{"metadata":{},"spec":%s}}}`,
		"DaemonSet":   `{"spec":{"template":{"spec":%s}}}`,
		"StatefulSet": `{"spec":{"template":{"spec":%s}}}`,
		"ReplicaSet":  `{"spec":{"template":{"spec":%s}}}`,
		"Job":         `{"spec":{"template":{"spec":%s}}}`,
		"CronJob":     `{"spec":{"jobTemplate":{"spec":{"template":{"spec":%s}}}}}`,
	}
	for kind, w := range wrap {
		got, n := sanitized(t, strings.Replace(w, "%s", ps, 1), kind)
		if n != 3 {
			t.Errorf("%s: redacted %d, want 3", kind, n)
		}
		if !strings.Contains(got, want) {
			t.Errorf("%s: got %s\nwant it to contain %s", kind, got, want)
		}
		for _, s := range []string{"s3cret", "tok1", "tok2"} {
			if strings.Contains(got, s) {
				t.Errorf("%s: %q kept: %s", kind, s, got)
			}
		}
	}
}

// TestRedactEnvEdges: hostile and odd shapes never keep a value; other kinds and
// other fields are untouched; objects without env are copied verbatim.
func TestRedactEnvEdges(t *testing.T) {
	for _, c := range []struct {
		kind, in, want string
		n              int
	}{
		// duplicate keys: the last wins, the earlier one must not survive in the bytes
		{"Pod", `{"spec":{"containers":[{"env":[{"name":"A","value":"s3cret","value":""}]}]}}`,
			`{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"env":[{"name":"A","value":""}]}]}}`, 0},
		{"Pod", `{"spec":{"containers":[{"env":[{"value":"s3cret"}],"env":[]}]}}`,
			`{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"env":[]}]}}`, 0},
		{"Pod", `{"spec":{"containers":[{"env":[{"value":"s3cret"}]}],"containers":null}}`,
			`{"apiVersion":"v1","kind":"Pod","spec":{"containers":null}}`, 0},
		{"Deployment", `{"spec":{"template":{"spec":{"containers":[{"env":[{"value":"s3cret"}]}]}},"template":{}}}`,
			`{"apiVersion":"v1","kind":"Deployment","spec":{"template":{}}}`, 0},
		// an escaped key is still the key
		{"Pod", `{"spec":{"containers":[{"\u0065nv":[{"name":"A","v\u0061lue":"s3cret"}]}]}}`,
			`{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"\u0065nv":[{"name":"A","v\u0061lue":"[redacted]"}]}]}}`, 1},
		// non-string values are replaced too; null is nothing to hide
		{"Pod", `{"spec":{"containers":[{"env":[{"value":42},{"value":null},{"value":{"x":"s3cret"}}]}]}}`,
			`{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"env":[{"value":"[redacted]"},{"value":null},{"value":"[redacted]"}]}]}}`, 2},
		// odd types along the path are left alone
		{"Pod", `{"spec":{"containers":{"env":"x"}}}`, `{"apiVersion":"v1","kind":"Pod","spec":{"containers":{"env":"x"}}}`, 0},
		{"Pod", `{"spec":[{"env":1}]}`, `{"apiVersion":"v1","kind":"Pod","spec":[{"env":1}]}`, 0},
		{"Pod", `{"spec":{"containers":[1,"env",{"env":null}]}}`,
			`{"apiVersion":"v1","kind":"Pod","spec":{"containers":[1,"env",{"env":null}]}}`, 0},
		// only the pod spec's env: other kinds and other places are not touched
		{"ConfigMap", `{"data":{"env":"v"},"spec":{"containers":[{"env":[{"value":"v"}]}]}}`,
			`{"apiVersion":"v1","data":{"env":"v"},"kind":"ConfigMap","spec":{"containers":[{"env":[{"value":"v"}]}]}}`, 0},
		{"Pod", `{"spec":{"volumes":[{"env":[{"value":"v"}]}],"containers":[{"z":1, "a":2}]}}`,
			`{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"z":1, "a":2}],"volumes":[{"env":[{"value":"v"}]}]}}`, 0},
	} {
		got, n := sanitized(t, c.in, c.kind)
		if got != c.want || n != c.n {
			t.Errorf("%s %s:\n got %s (%d)\nwant %s (%d)", c.kind, c.in, got, n, c.want, c.n)
		}
	}
}

// TestRedactEnvFastPath: an object without env is copied without being walked.
func TestRedactEnvFastPath(t *testing.T) {
	if mayHaveEnv([]byte(`{"spec":{"containers":[{"name":"environment"}]}}`)) {
		t.Error("fast path not taken for an object without env")
	}
	if !mayHaveEnv([]byte(`{"spec":{"containers":[{"\u0065nv":[]}]}}`)) {
		t.Error("an escaped key must take the slow path")
	}
}

// TestPageCountsRedactions: the page and the inventory count redacted values.
func TestPageCountsRedactions(t *testing.T) {
	body := `{"items":[{"metadata":{"uid":"a"},"spec":{"containers":[{"env":[{"name":"A","value":"x"},{"name":"B","value":"y"}]}]}},` +
		`{"metadata":{"uid":"b"},"spec":{"containers":[{"env":[{"name":"A","value":"z"}]}]}}]}`
	p := newPage(target{version: "v1", kind: "Pod"}, map[string]bool{"b": true})
	if _, err := decodeList(strings.NewReader(body), p.add); err != nil {
		t.Fatal(err)
	}
	if p.n != 1 || p.redacted != 2 {
		t.Errorf("page n=%d redacted=%d, want 1 and 2 (the seen object is not counted)", p.n, p.redacted)
	}
}

// BenchmarkSanitizePod measures one Pod through writeSanitized, with and without env.
func BenchmarkSanitizePod(b *testing.B) {
	const pod = `{"metadata":{"name":"p","namespace":"n","uid":"u","labels":{"app":"web"}},` +
		`"spec":{"containers":[{"name":"app","image":"nginx","ports":[{"containerPort":8080}]%s}],"restartPolicy":"Always"},` +
		`"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}`
	for name, extra := range map[string]string{"noenv": "",
		"env": `,"env":[{"name":"A","value":"x"},{"name":"B","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]`} {
		raw := []byte(strings.Replace(pod, "%s", extra, 1))
		b.Run(name, func(b *testing.B) {
			var buf bytes.Buffer
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				buf.Reset()
				if _, _, err := writeSanitized(&buf, raw, "v1", "Pod"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
