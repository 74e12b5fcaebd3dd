package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LastAppliedAnnotation is removed from every object: kubectl writes the whole applied
// manifest into it, which for a Secret includes its data.
const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// maxPageSize bounds one LIST response body (a page of up to PageSize objects).
const maxPageSize = 512 << 20

// list is one validated LIST response: its continue token and its raw "items" array.
type list struct {
	cont  string
	items []byte
}

// readList reads and validates one JSON list response. Memory is bounded by the page:
// the body is held once and items are slices of it.
func readList(r io.Reader) (list, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxPageSize+1))
	if err != nil {
		return list{}, fmt.Errorf("read list: %w", err)
	}
	if len(body) > maxPageSize {
		return list{}, fmt.Errorf("list response larger than %d bytes: lower --page-size", maxPageSize)
	}
	if !json.Valid(body) {
		return list{}, errors.New("decode list: the response is not valid JSON")
	}
	top, err := splitObject(body)
	if err != nil {
		return list{}, fmt.Errorf("decode list: %w", err)
	}
	var l list
	for _, m := range top {
		switch m.key {
		case "metadata":
			var lm struct {
				Continue string `json:"continue"`
			}
			if err := json.Unmarshal(m.val, &lm); err != nil {
				return list{}, fmt.Errorf("decode list metadata: %w", err)
			}
			l.cont = lm.Continue
		case "items":
			l.items = m.val
		}
	}
	return l, nil
}

// decodeList is readList followed by item for each element, in order.
func decodeList(r io.Reader, item func([]byte) error) (string, error) {
	l, err := readList(r)
	if err != nil {
		return "", err
	}
	return l.cont, eachElement(l.items, item)
}

// eachElement calls fn for each element of the valid JSON array b ("null" is empty).
func eachElement(b []byte, fn func([]byte) error) error {
	if b == nil || string(b) == "null" {
		return nil
	}
	if len(b) == 0 || b[0] != '[' {
		return errors.New("decode list items: want an array")
	}
	i := skipWS(b, 1)
	for i < len(b) && b[i] != ']' {
		e, err := skipValue(b, i)
		if err != nil {
			return fmt.Errorf("decode list item: %w", err)
		}
		if err := fn(b[i:e]); err != nil {
			return err
		}
		i = skipWS(b, e)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
		}
	}
	return nil
}

// metaJSON renders object metadata from the metadata client as {"metadata": …}; with
// namesOnly, only the name is kept.
func metaJSON(m *metav1.ObjectMeta, namesOnly bool) ([]byte, error) {
	if namesOnly {
		m = &metav1.ObjectMeta{Name: m.Name}
	}
	return json.Marshal(struct {
		Metadata *metav1.ObjectMeta `json:"metadata"`
	}{m})
}

func jsonString(s string) json.RawMessage { return mustJSON(s) }

// mustJSON marshals values that cannot fail (strings, maps of raw JSON already validated),
// without HTML escaping, like the page encoder.
func mustJSON(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("cluster: marshal: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
