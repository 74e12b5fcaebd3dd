package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// This file rewrites API objects without decoding them: the list decoder has already
// validated each item, so splitting an object into its members and copying the values
// verbatim is safe, and it is several times cheaper than unmarshalling and re-marshalling.

// member is one "key": value pair of a JSON object, as raw bytes.
type member struct {
	key    string // unescaped key
	rawKey []byte // the key as written, with quotes
	val    []byte
}

var errNotObject = errors.New("not a JSON object")

// splitObject splits a valid JSON object into its members. It trusts b to be valid JSON
// (callers validate first); on malformed input it returns an error, never panics.
func splitObject(b []byte) ([]member, error) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, errNotObject
	}
	var ms []member
	var idx map[string]int // key → index in ms, once there are many members
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return ms, nil
	}
	for i < len(b) {
		ks := i
		ke, err := skipString(b, i)
		if err != nil {
			return nil, err
		}
		key, err := unquote(b[ks:ke])
		if err != nil {
			return nil, err
		}
		i = skipWS(b, ke)
		if i >= len(b) || b[i] != ':' {
			return nil, errNotObject
		}
		vs := skipWS(b, i+1)
		ve, err := skipValue(b, vs)
		if err != nil {
			return nil, err
		}
		ms, idx = appendMember(ms, idx, member{key: key, rawKey: b[ks:ke], val: b[vs:ve]})
		i = skipWS(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return ms, nil
		}
		return nil, errNotObject
	}
	return nil, errNotObject
}

// appendMember appends m, replacing an earlier member of the same key: the last
// duplicate wins, as with encoding/json. Small objects are scanned linearly; past 16
// members an index map keeps it linear overall.
func appendMember(ms []member, idx map[string]int, m member) ([]member, map[string]int) {
	if idx == nil && len(ms) >= 16 {
		idx = make(map[string]int, 2*len(ms))
		for i := range ms {
			idx[ms[i].key] = i
		}
	}
	if idx != nil {
		if i, ok := idx[m.key]; ok {
			ms[i] = m
			return ms, idx
		}
		idx[m.key] = len(ms)
		return append(ms, m), idx
	}
	for i := range ms {
		if ms[i].key == m.key {
			ms[i] = m
			return ms, idx
		}
	}
	return append(ms, m), idx
}

func unquote(q []byte) (string, error) {
	if bytes.IndexByte(q, '\\') < 0 {
		return string(q[1 : len(q)-1]), nil
	}
	var s string
	err := json.Unmarshal(q, &s)
	return s, err
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return 0, errNotObject
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, errors.New("unterminated string")
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errors.New("missing value")
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				e, err := skipString(b, i)
				if err != nil {
					return 0, err
				}
				i = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
		}
		return 0, errors.New("unterminated value")
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i, nil
		}
	}
	return i, nil
}

// writeObject appends ms (unique keys) as a JSON object with keys sorted.
func writeObject(buf *bytes.Buffer, ms []member) {
	slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	buf.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(m.rawKey)
		buf.WriteByte(':')
		buf.Write(m.val)
	}
	buf.WriteByte('}')
}

// writeSanitized appends one sanitized object (see sanitize) to buf, without a newline,
// and returns its UID and how many container env values it redacted (see RedactedValue).
// raw must be valid JSON.
func writeSanitized(buf *bytes.Buffer, raw []byte, apiVersion, kind string) (string, int, error) {
	if bytes.ContainsAny(raw, "\n\r") { // not compact: make it one line first
		var c bytes.Buffer
		if err := json.Compact(&c, raw); err != nil {
			return "", 0, err
		}
		raw = c.Bytes()
	}
	top, err := splitObject(raw)
	if err != nil {
		return "", 0, err
	}
	redacted := 0
	if mayHaveEnv(raw) {
		redacted = redactTop(top, kind)
	}
	out := make([]member, 0, len(top)+2)
	out = append(out, member{key: "apiVersion", rawKey: []byte(`"apiVersion"`), val: jsonString(apiVersion)},
		member{key: "kind", rawKey: []byte(`"kind"`), val: jsonString(kind)})
	uid := ""
	for _, m := range top {
		switch m.key {
		case "apiVersion", "kind":
			continue
		case "metadata":
			if string(m.val) == "null" {
				break
			}
			if m.val, uid, err = sanitizeMetaRaw(m.val); err != nil {
				return "", 0, err
			}
		}
		out = append(out, m)
	}
	writeObject(buf, out)
	return uid, redacted, nil
}

// sanitizeMetaRaw drops managedFields and the last-applied annotation from metadata.
func sanitizeMetaRaw(raw []byte) ([]byte, string, error) {
	ms, err := splitObject(raw)
	if err != nil {
		return nil, "", fmt.Errorf("metadata: %w", err)
	}
	out, uid := ms[:0], ""
	for _, m := range ms {
		switch m.key {
		case "managedFields":
			continue
		case "uid":
			_ = json.Unmarshal(m.val, &uid)
		case "annotations":
			if string(m.val) == "null" {
				continue
			}
			ann, err := splitObject(m.val)
			if err != nil {
				return nil, "", fmt.Errorf("metadata.annotations: %w", err)
			}
			kept := ann[:0]
			for _, a := range ann {
				if a.key != LastAppliedAnnotation {
					kept = append(kept, a)
				}
			}
			if len(kept) == 0 {
				continue
			}
			var b bytes.Buffer
			writeObject(&b, kept)
			m.val = b.Bytes()
		}
		out = append(out, m)
	}
	var b bytes.Buffer
	writeObject(&b, out)
	return b.Bytes(), uid, nil
}
