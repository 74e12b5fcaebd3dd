package analyze

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/kubeproof/kubeproof/bundle"
)

// decodeCEL parses one JSON object straight into CEL values (what rules.ToValue would make
// of decodeObject's result): integral numbers become int, other numbers double,
// metadata.managedFields is dropped, and nesting deeper than maxDepth is refused. It
// skips the intermediate map[string]any, which dominates the cost of streaming pods.
func decodeCEL(b []byte, maxDepth int) (map[ref.Val]ref.Val, error) {
	if maxDepth <= 0 {
		maxDepth = bundle.DefaultMaxJSONDepth
	}
	p := &celParser{b: b, max: maxDepth}
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return nil, errors.New("invalid object: not a JSON object")
	}
	m, err := p.object(1, "")
	if err != nil {
		return nil, fmt.Errorf("invalid object: %w", err)
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, fmt.Errorf("invalid object: data after the object at offset %d", p.i)
	}
	return m, nil
}

type celParser struct {
	b   []byte
	i   int
	max int
}

var errSyntax = errors.New("syntax error")

func (p *celParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *celParser) fail(what string) error {
	return fmt.Errorf("%w at offset %d: %s", errSyntax, p.i, what)
}

func (p *celParser) value(depth int, key string) (ref.Val, error) {
	p.ws()
	if p.i >= len(p.b) {
		return nil, p.fail("unexpected end")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		m, err := p.object(depth+1, key)
		if err != nil {
			return nil, err
		}
		return types.NewRefValMap(types.DefaultTypeAdapter, m), nil
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		s, err := p.str()
		return types.String(s), err
	case c == 't':
		return p.lit("true", types.True)
	case c == 'f':
		return p.lit("false", types.False)
	case c == 'n':
		return p.lit("null", types.NullValue)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, p.fail("unexpected character")
}

func (p *celParser) lit(word string, v ref.Val) (ref.Val, error) {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return nil, p.fail("invalid literal")
	}
	p.i += len(word)
	return v, nil
}

// object parses {...}; parent is the key this object is the value of ("" at the top).
func (p *celParser) object(depth int, parent string) (map[ref.Val]ref.Val, error) {
	if depth > p.max {
		return nil, fmt.Errorf("nesting deeper than the limit %d", p.max)
	}
	p.i++ // {
	m := map[ref.Val]ref.Val{}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return m, nil
	}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.fail("expected a key")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.fail("expected ':'")
		}
		p.i++
		v, err := p.value(depth, k)
		if err != nil {
			return nil, err
		}
		if !(parent == "metadata" && depth == 2 && k == "managedFields") {
			m[types.String(k)] = v
		}
		p.ws()
		if p.i >= len(p.b) {
			return nil, p.fail("unterminated object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return m, nil
		default:
			return nil, p.fail("expected ',' or '}'")
		}
	}
}

func (p *celParser) array(depth int) (ref.Val, error) {
	if depth > p.max {
		return nil, fmt.Errorf("nesting deeper than the limit %d", p.max)
	}
	p.i++ // [
	var l []ref.Val
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return types.NewRefValList(types.DefaultTypeAdapter, []ref.Val{}), nil
	}
	for {
		v, err := p.value(depth, "")
		if err != nil {
			return nil, err
		}
		l = append(l, v)
		p.ws()
		if p.i >= len(p.b) {
			return nil, p.fail("unterminated array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return types.NewRefValList(types.DefaultTypeAdapter, l), nil
		default:
			return nil, p.fail("expected ',' or ']'")
		}
	}
}

// str parses a JSON string; strings with escapes go through encoding/json.
func (p *celParser) str() (string, error) {
	start := p.i
	p.i++
	escaped := false
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '\\':
			escaped = true
			p.i += 2
			continue
		case c == '"':
			p.i++
			if !escaped && utf8.Valid(p.b[start+1:p.i-1]) {
				return string(p.b[start+1 : p.i-1]), nil
			}
			var s string
			if err := json.Unmarshal(p.b[start:p.i], &s); err != nil {
				return "", p.fail("invalid string")
			}
			return s, nil
		case c < 0x20:
			return "", p.fail("control character in string")
		}
		p.i++
	}
	return "", p.fail("unterminated string")
}

func (p *celParser) number() (ref.Val, error) {
	start := p.i
	isInt := true
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '.' || c == 'e' || c == 'E' || c == '+' {
			isInt = false
		} else if c != '-' && (c < '0' || c > '9') {
			break
		}
		p.i++
	}
	s := string(p.b[start:p.i])
	if isInt {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= -1<<53 && n <= 1<<53 {
			return types.Int(n), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !json.Valid(p.b[start:p.i]) {
		return nil, p.fail("invalid number")
	}
	if f == math.Trunc(f) && f >= -1<<53 && f <= 1<<53 {
		return types.Int(int64(f)), nil
	}
	return types.Double(f), nil
}
