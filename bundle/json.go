package bundle

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DecodeJSON decodes the one JSON value read from rd into v, refusing nesting deeper than
// l.MaxJSONDepth and anything but white space after the value. It reads rd to its end, so
// a member reader's size and sha256 check is reported (as a *VerifyError) before DecodeJSON
// returns. For JSON-lines members, call it once per line.
func DecodeJSON(rd io.Reader, v any, l Limits) error {
	l = l.withDefaults()
	dr := &depthReader{r: bufio.NewReaderSize(rd, 64<<10), max: l.MaxJSONDepth}
	dec := json.NewDecoder(dr)
	if err := dec.Decode(v); err != nil {
		return drainErr(jsonErr(err, dr), dr)
	}
	return drainErr(expectEOF(dec, dr), dr)
}

// drainErr reads what is left of the input so that a member reader's integrity error (which
// only shows at its end) wins over a JSON error that may be its consequence.
func drainErr(err error, dr *depthReader) error {
	if err == nil || dr.err != nil {
		return err
	}
	if _, derr := io.Copy(io.Discard, dr.r); derr != nil {
		var ve *VerifyError
		if errors.As(derr, &ve) {
			return derr
		}
	}
	return err
}

// decodeStrict is DecodeJSON for the manifest: unknown fields are an error too.
func decodeStrict(rd io.Reader, v any, maxDepth int) error {
	dr := &depthReader{r: bufio.NewReader(rd), max: maxDepth}
	dec := json.NewDecoder(dr)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonErr(err, dr)
	}
	return expectEOF(dec, dr)
}

func expectEOF(dec *json.Decoder, dr *depthReader) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil || dr.err != nil {
			return jsonErr(errors.New("data after the JSON value"), dr)
		}
		return jsonErr(err, dr)
	}
	return nil
}

// jsonErr prefers the reader's own error (depth, or a member's hash mismatch) over the
// decoder's, which is only a consequence of it.
func jsonErr(err error, dr *depthReader) error {
	if dr.err != nil && !errors.Is(dr.err, io.EOF) {
		return dr.err
	}
	return err
}

// depthReader passes bytes through while tracking the nesting depth of JSON arrays and
// objects outside strings; it fails once the depth exceeds max.
type depthReader struct {
	r        *bufio.Reader
	max      int
	depth    int
	inString bool
	escaped  bool
	err      error
}

// ErrJSONTooDeep is returned (wrapped) by DecodeJSON when nesting exceeds MaxJSONDepth.
var ErrJSONTooDeep = errors.New("JSON nested too deeply")

func (d *depthReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.r.Read(p)
	for i := 0; i < n; i++ {
		if d.scan(p[i]) {
			d.err = fmt.Errorf("%w (limit %d)", ErrJSONTooDeep, d.max)
			return i, d.err
		}
	}
	if err != nil {
		d.err = err
	}
	return n, err
}

// scan advances the state by one byte and reports whether the depth limit was exceeded.
func (d *depthReader) scan(c byte) bool {
	if d.inString {
		switch {
		case d.escaped:
			d.escaped = false
		case c == '\\':
			d.escaped = true
		case c == '"':
			d.inString = false
		}
		return false
	}
	switch c {
	case '"':
		d.inString = true
	case '[', '{':
		d.depth++
		return d.depth > d.max
	case ']', '}':
		d.depth--
	}
	return false
}
