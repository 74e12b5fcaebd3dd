package analyze

import (
	"encoding/json"
	"testing"

	"github.com/google/cel-go/common/types"

	"github.com/kubeproof/kubeproof/rules"
)

// FuzzDecodeCEL: the direct JSON→CEL decoder agrees with encoding/json followed by
// normalisation and rules.ToValue on every object encoding/json accepts.
func FuzzDecodeCEL(f *testing.F) {
	for _, s := range []string{
		`{"metadata":{"name":"a","namespace":"b","managedFields":[{"m":1}]},"spec":{"containers":[{"name":"c","securityContext":{"privileged":true}}]}}`,
		`{"a":1.5,"b":-2,"c":1e3,"d":null,"e":"x\"y\u00e9","f":[],"g":{},"h":[true,false]}`,
		`{"deep":[[[[[[1]]]]]]}`, `{"n":9007199254740993}`, `{"s":"\ud83d\ude00"}`, `{}`, `[]`, `{"a":}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeCEL(b, 64)
		var want map[string]any
		if json.Unmarshal(b, &want) != nil || want == nil {
			return // the fast decoder may be more lenient; it must only agree on valid objects
		}
		if jsonDepth(b) > 64 {
			if err == nil {
				t.Fatal("depth limit not enforced")
			}
			return
		}
		if err != nil {
			t.Fatalf("decodeCEL rejects a valid object: %v", err)
		}
		if meta, ok := want["metadata"].(map[string]any); ok {
			delete(meta, "managedFields")
		}
		w := rules.ToValue(normalizeJSON(want))
		g := types.NewRefValMap(types.DefaultTypeAdapter, got)
		if g.Equal(w) != types.True {
			t.Fatalf("decodeCEL %v\n   want %v", g, w)
		}
	})
}
