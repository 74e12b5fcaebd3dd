package rules

import (
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/parser"
)

// configLib reads a component's effective configuration.
//
//	get(key string) -> string
//	    The effective value of key, or "" when the key is neither set nor defaulted.
//	    A macro: get(k) expands to (k in config ? config[k] : "").
//	    Example: get("anonymous-auth") == "false"
//
//	isTrue(s string) -> bool
//	    s is "true" or "1", ignoring case and surrounding spaces (how Go's flag parser and
//	    the Kubernetes config loaders spell an enabled boolean).
//	    Example: isTrue(get("authentication.anonymous.enabled"))
type configLib struct{}

func (configLib) CompileOptions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Macros(parser.NewGlobalMacro("get", 1, expandGet)),
		cel.Function("isTrue",
			cel.Overload("isTrue_string", []*cel.Type{cel.StringType}, cel.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val { return types.Bool(isTrue(string(v.(types.String)))) }))),
	}
}

func (configLib) ProgramOptions() []cel.ProgramOption { return nil }

func expandGet(eh parser.ExprHelper, _ ast.Expr, args []ast.Expr) (ast.Expr, *common.Error) {
	key := args[0]
	cfg := func() ast.Expr { return eh.NewIdent(VarConfig) }
	return eh.NewCall(operators.Conditional,
		eh.NewCall(operators.In, eh.Copy(key), cfg()),
		eh.NewCall(operators.Index, cfg(), eh.Copy(key)),
		eh.NewLiteral(types.String(""))), nil
}

func isTrue(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "true" || s == "1"
}
