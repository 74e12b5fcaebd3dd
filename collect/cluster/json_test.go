package cluster

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const listBody = `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"tok"},"items":[
 {"metadata":{"name":"a","namespace":"n","uid":"u1","managedFields":[{"manager":"kubectl"}],
   "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"p\":\"c2VjcmV0\"}}","keep":"<me>"}},
  "spec":{"hostPID":true}},
 {"metadata":{"name":"b","uid":"u2","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"x"}},"spec":{}}]}`

func decodeAll(t *testing.T, body string) ([]string, string, error) {
	t.Helper()
	p := newPage(target{spec: spec{resource: "pods"}, version: "v1", kind: "Pod"}, map[string]bool{})
	cont, err := decodeList(strings.NewReader(body), p.add)
	return strings.Split(strings.TrimSpace(p.buf.String()), "\n"), cont, err
}

func TestDecodeListSanitizes(t *testing.T) {
	lines, cont, err := decodeAll(t, listBody)
	if err != nil || cont != "tok" || len(lines) != 2 {
		t.Fatalf("cont %q err %v lines %d", cont, err, len(lines))
	}
	want0 := `{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"keep":"<me>"},"name":"a","namespace":"n","uid":"u1"},"spec":{"hostPID":true}}`
	want1 := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b","uid":"u2"},"spec":{}}`
	if lines[0] != want0 || lines[1] != want1 {
		t.Errorf("got\n%s\n%s\nwant\n%s\n%s", lines[0], lines[1], want0, want1)
	}
}

// TestDecodeListDeterministic: the same object in a different key order gives the same line.
func TestDecodeListDeterministic(t *testing.T) {
	a := `{"items":[{"spec":{"x":1},"metadata":{"uid":"u","name":"a"}}],"metadata":{}}`
	b := `{"metadata":{},"items":[{"metadata":{"name":"a","uid":"u"},"spec":{"x":1}}]}`
	la, _, errA := decodeAll(t, a)
	lb, _, errB := decodeAll(t, b)
	if errA != nil || errB != nil || la[0] != lb[0] {
		t.Errorf("%v %v\n%s\n%s", errA, errB, la[0], lb[0])
	}
}

func TestDecodeListErrors(t *testing.T) {
	for _, body := range []string{``, `[]`, `{"items":{}}`, `{"items":[1]}`, `{"items":[{"metadata":[]}]}`,
		`{"items":[{"metadata":{"annotations":3}}]}`, `{"items":[{}`, `{"items":[null]}`} {
		if _, _, err := decodeAll(t, body); err == nil {
			t.Errorf("%q: no error", body)
		}
	}
	if lines, _, err := decodeAll(t, `{"items":null}`); err != nil || lines[0] != "" {
		t.Errorf("null items: %v %v", lines, err)
	}
}

func TestPageSkipsSeenUIDs(t *testing.T) {
	p := newPage(target{version: "v1", kind: "Pod"}, map[string]bool{"u1": true})
	if _, err := decodeList(strings.NewReader(listBody), p.add); err != nil {
		t.Fatal(err)
	}
	if p.n != 1 || !bytes.Contains(p.buf.Bytes(), []byte(`"u2"`)) || bytes.Contains(p.buf.Bytes(), []byte(`"u1"`)) {
		t.Errorf("page kept %d objects: %s", p.n, p.buf.String())
	}
}

// FuzzDecodeList: API responses are untrusted bytes. Whatever the input, decoding must not
// panic; every line written is one JSON object equal to its input item except that
// apiVersion/kind are set, managedFields and the last-applied annotation are gone, and
// container env values are redacted.
func FuzzDecodeList(f *testing.F) {
	f.Add(listBody)
	f.Add(`{"items":[{"metadata":{"annotations":{}}}]}`)
	f.Add(`{"items":null,"metadata":{"continue":""}}`)
	f.Add(`{"items":[{"a\"b":[1,{"c":"]}"}],"metadata":{"annotations":null,"x":"\u00e9"}}]}`)
	f.Add("{\"items\":[ {\"metadata\" : {\"uid\":\"u\"} ,\n \"z\":[ ] } ]}")
	f.Add(`{"items":[{"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"s"},{"name":"B","valueFrom":{"secretKeyRef":{"name":"n","key":"k"}}}]}],"initContainers":[{"env":[{"value":""}]}]}}]}`)
	f.Add(`{"items":[{"spec":{"containers":[{"env":[{"value":"s","value":null}],"env":[{"value":1}]}],"ephemeralContainers":null}}]}`)
	f.Add(`{"items":[{"spec":{"containers":[{"\u0065nv":[{"v\u0061lue":"s"}]},7]}}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var items []json.RawMessage
		p := newPage(target{version: "v1", kind: "Pod"}, map[string]bool{})
		_, err := decodeList(strings.NewReader(body), func(raw []byte) error {
			items = append(items, append(json.RawMessage(nil), raw...))
			return p.add(raw)
		})
		if err != nil {
			return
		}
		lines := bytes.Split(bytes.TrimSuffix(p.buf.Bytes(), []byte("\n")), []byte("\n"))
		if p.n == 0 {
			return
		}
		if len(lines) != len(items) {
			t.Fatalf("%d lines for %d items", len(lines), len(items))
		}
		for i, line := range lines {
			var got, want map[string]any
			if err := json.Unmarshal(line, &got); err != nil {
				t.Fatalf("bad line %q: %v", line, err)
			}
			if err := json.Unmarshal(items[i], &want); err != nil {
				t.Fatalf("item %q accepted but invalid: %v", items[i], err)
			}
			want["apiVersion"], want["kind"] = "v1", "Pod"
			redactWant(want)
			if md, ok := want["metadata"].(map[string]any); ok {
				delete(md, "managedFields")
				if ann, ok := md["annotations"].(map[string]any); ok {
					delete(ann, LastAppliedAnnotation)
					if len(ann) == 0 {
						delete(md, "annotations")
					}
				} else if md["annotations"] == nil {
					delete(md, "annotations")
				}
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if !bytes.Equal(g, w) {
				t.Fatalf("item %s\n got %s\nwant %s", items[i], g, w)
			}
		}
	})
}

// redactWant applies, on a decoded Pod, the env redaction the collector does on bytes.
func redactWant(pod map[string]any) {
	spec, _ := pod["spec"].(map[string]any)
	for _, list := range []string{"containers", "initContainers", "ephemeralContainers"} {
		cs, _ := spec[list].([]any)
		for _, c := range cs {
			c, _ := c.(map[string]any)
			env, _ := c["env"].([]any)
			for _, e := range env {
				e, _ := e.(map[string]any)
				if v, ok := e["value"]; ok && v != nil && v != "" {
					e["value"] = RedactedValue
				}
			}
		}
	}
}
