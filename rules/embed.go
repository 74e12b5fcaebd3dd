package rules

import (
	"embed"
	"io/fs"
	"sync"
)

// builtinFS holds the built-in CIS rules (cis/<id>.yaml with cis/<id>.test.yaml) and the
// platform profiles (profiles/<name>.yaml).
//
//go:embed cis/*.yaml profiles/*.yaml
var builtinFS embed.FS

// BuiltinDir is the directory of the built-in rules inside BuiltinFS.
const BuiltinDir = "cis"

// BuiltinFS returns the embedded rule and profile files.
func BuiltinFS() fs.FS { return builtinFS }

var builtin = sync.OnceValues(func() (*Set, error) { return LoadFS(builtinFS, BuiltinDir, "rules/cis") })

// Builtin returns the built-in rule set, loaded and compiled once.
func Builtin() (*Set, error) { return builtin() }
