package bundle_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/bundle/internal/forge"
)

func TestDecodeJSONDepth(t *testing.T) {
	lim := bundle.Limits{MaxJSONDepth: 3}
	var v any
	if err := bundle.DecodeJSON(strings.NewReader(`{"a":[{"b":1}]}`), &v, lim); err != nil {
		t.Fatalf("depth 3: %v", err)
	}
	if err := bundle.DecodeJSON(strings.NewReader(`{"a":[{"b":[1]}]}`), &v, lim); !errors.Is(err, bundle.ErrJSONTooDeep) {
		t.Fatalf("depth 4: %v", err)
	}
	if err := bundle.DecodeJSON(strings.NewReader(`{"a":"[[[[[[\"]]]"}`), &v, lim); err != nil {
		t.Fatalf("brackets in strings count: %v", err)
	}
	if err := bundle.DecodeJSON(strings.NewReader(`{} {}`), &v, lim); err == nil {
		t.Fatal("two values accepted")
	}
	if err := bundle.DecodeJSON(strings.NewReader("{}\n \n"), &v, lim); err != nil {
		t.Fatalf("trailing space: %v", err)
	}
	deep := strings.Repeat("[", 1000) + strings.Repeat("]", 1000)
	if err := bundle.DecodeJSON(strings.NewReader(deep), &v, bundle.Limits{}); !errors.Is(err, bundle.ErrJSONTooDeep) {
		t.Fatalf("default limit: %v", err)
	}
}

// TestDecodeJSONReportsHash: DecodeJSON on a tampered member returns the member's
// *VerifyError, not a JSON error or success.
func TestDecodeJSONReportsHash(t *testing.T) {
	s := forge.Key("json")
	e, _ := forge.Decode(write(t, s, testMembers))
	for i := range e {
		if e[i].Name() == "node/host.json" {
			e[i].Data = bytes.Replace(e[i].Data, []byte("n1"), []byte("n2"), 1) // still valid JSON
		}
	}
	rd, err := bundle.Open(bytes.NewReader(forge.Encode(e)), bundle.Options{Trusted: trusted(t, s)})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	for {
		m, body, err := rd.Next()
		if err == io.EOF {
			t.Fatal("no member failed")
		}
		if err != nil {
			t.Fatal(err)
		}
		var v any
		err = bundle.DecodeJSON(body, &v, bundle.Limits{})
		if m.Path != "node/host.json" {
			continue
		}
		var ve *bundle.VerifyError
		if !errors.As(err, &ve) || !strings.HasPrefix(ve.Reason, "sha256 mismatch") {
			t.Fatalf("DecodeJSON(tampered) = %v", err)
		}
		return
	}
}
