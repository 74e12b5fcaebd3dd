package rules

import (
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
)

// flagsLib handles comma-separated flag values such as --authorization-mode=Node,RBAC.
//
//	flagList(s string) -> list(string)
//	    s split at commas, each item trimmed of spaces, empty items dropped.
//	    Example: flagList("Node, RBAC,") == ["Node", "RBAC"]
//
//	listContains(s string, item string) -> bool
//	    item is one of flagList(s) (exact, case-sensitive match of a whole item; "RBAC" does
//	    not match "RBACX").
//	    Example: listContains(get("enable-admission-plugins"), "NodeRestriction")
type flagsLib struct{}

func (flagsLib) CompileOptions() []cel.EnvOption {
	listS := cel.ListType(cel.StringType)
	return []cel.EnvOption{
		cel.Function("flagList",
			cel.Overload("flagList_string", []*cel.Type{cel.StringType}, listS,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					return types.DefaultTypeAdapter.NativeToValue(flagList(string(v.(types.String))))
				}))),
		cel.Function("listContains",
			cel.Overload("listContains_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(func(s, item ref.Val) ref.Val {
					return types.Bool(listContains(string(s.(types.String)), string(item.(types.String))))
				}))),
	}
}

func (flagsLib) ProgramOptions() []cel.ProgramOption { return nil }

func flagList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func listContains(s, item string) bool {
	for _, p := range flagList(s) {
		if p == item {
			return true
		}
	}
	return false
}
