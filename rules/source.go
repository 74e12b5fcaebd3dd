package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// source is one YAML file being loaded, kept as lines so that errors can point into it.
type source struct {
	file  string
	data  []byte
	lines []string
}

func newSource(file string, data []byte) *source {
	return &source{file: file, data: data, lines: strings.Split(string(data), "\n")}
}

const maxSnippet = 160

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse returns the document's root node (a mapping for a valid rule file).
func (s *source) parse() (*yaml.Node, *Error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(s.data, &doc); err != nil {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			return nil, s.pos(n, 0, "invalid YAML: "+m[2])
		}
		return nil, &Error{File: s.file, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: s.file, Msg: "empty file: want a YAML mapping"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, s.pos(root.Line, root.Column, "want a YAML mapping at the top level")
	}
	return root, nil
}

// pos makes an Error at line:col (1-based; col 0 = unknown) with a caret snippet.
func (s *source) pos(line, col int, msg string) *Error {
	e := &Error{File: s.file, Line: line, Col: col, Msg: msg}
	if line >= 1 && line <= len(s.lines) {
		text := strings.TrimRight(s.lines[line-1], "\r")
		if len(text) > maxSnippet || col > maxSnippet {
			return e
		}
		e.Snippet = " | " + text
		if col >= 1 && col <= len(text)+1 {
			e.Snippet += "\n | " + strings.Repeat(" ", col-1) + "^"
		}
	}
	return e
}

// at makes an Error at node n (or the file when n is nil), shifted by off columns.
func (s *source) at(n *yaml.Node, off int, msg string) *Error {
	if n == nil {
		return &Error{File: s.file, Msg: msg}
	}
	return s.pos(n.Line, n.Column+off, msg)
}

// exprError translates a CEL error at (line 1-based, col 0-based) inside the expression held
// by scalar node n into the position in the YAML file.
func (s *source) exprError(n *yaml.Node, line, col int, msg string) *Error {
	if n == nil {
		return &Error{File: s.file, Msg: msg}
	}
	if line < 1 {
		line = 1
	}
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		// the content starts on the line after the indicator; its first line sets the indent
		return s.pos(n.Line+line, s.indent(n.Line+1)+col+1, msg)
	case n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 && line == 1:
		return s.pos(n.Line, n.Column+1+col, msg)
	case line == 1:
		return s.pos(n.Line, n.Column+col, msg)
	default: // a multi-line flow scalar: lines are folded, so only the line is reliable
		l := n.Line + line - 1
		return s.pos(l, s.indent(l)+col+1, msg)
	}
}

func (s *source) indent(line int) int {
	if line < 1 || line > len(s.lines) {
		return 0
	}
	t := s.lines[line-1]
	return len(t) - len(strings.TrimLeft(t, " "))
}

var decodeLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// decodeError turns a yaml decode error into positioned errors.
func (s *source) decodeError(err error) []*Error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []*Error{{File: s.file, Msg: err.Error()}}
	}
	var out []*Error
	for _, m := range te.Errors {
		if g := decodeLine.FindStringSubmatch(m); g != nil {
			n, _ := strconv.Atoi(g[1])
			out = append(out, s.pos(n, 0, g[2]))
		} else {
			out = append(out, &Error{File: s.file, Msg: m})
		}
	}
	return out
}

func (s *source) String() string { return fmt.Sprintf("source(%s)", s.file) }
