package rules

import (
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// filesLib judges host file metadata (the `file` variable of file-scope rules).
//
//	modeAtMost(mode int, max int) -> bool
//	    No permission bit of mode lies outside max: mode & ^max & 0o7777 == 0. CEL has no
//	    octal literals, so write max in decimal (0o600 = 384, 0o644 = 420, 0o700 = 448).
//	    Example: modeAtMost(file.mode, 384)
//
//	ownerIs(file map(string, dyn), user string, group string) -> bool
//	    The file's owner and group names are user and group. When a name could not be
//	    resolved (no entry in the host's /etc/passwd or /etc/group), "root" still matches
//	    uid/gid 0 and no other name matches.
//	    Example: ownerIs(file, "root", "root")
type filesLib struct{}

func (filesLib) CompileOptions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Function("modeAtMost",
			cel.Overload("modeAtMost_int_int", []*cel.Type{cel.IntType, cel.IntType}, cel.BoolType,
				cel.BinaryBinding(func(m, max ref.Val) ref.Val {
					return types.Bool(modeAtMost(int64(m.(types.Int)), int64(max.(types.Int))))
				}))),
		cel.Function("ownerIs",
			cel.Overload("ownerIs_map_string_string",
				[]*cel.Type{cel.MapType(cel.StringType, cel.DynType), cel.StringType, cel.StringType}, cel.BoolType,
				cel.FunctionBinding(func(args ...ref.Val) ref.Val {
					m, ok := args[0].(traits.Mapper)
					if !ok {
						return types.NewErr("ownerIs: first argument is not a file map")
					}
					return types.Bool(ownerIs(m, string(args[1].(types.String)), string(args[2].(types.String))))
				}))),
	}
}

func (filesLib) ProgramOptions() []cel.ProgramOption { return nil }

func modeAtMost(mode, max int64) bool { return mode&^max&0o7777 == 0 }

func ownerIs(file traits.Mapper, user, group string) bool {
	return nameMatches(file, "owner", "uid", user) && nameMatches(file, "group", "gid", group)
}

func nameMatches(file traits.Mapper, nameKey, idKey, want string) bool {
	if v, ok := file.Find(types.String(nameKey)); ok {
		if s, ok := v.(types.String); ok && s != "" {
			return string(s) == want
		}
	}
	if want != "root" {
		return false
	}
	v, ok := file.Find(types.String(idKey))
	if !ok {
		return false
	}
	switch n := v.(type) {
	case types.Int:
		return n == 0
	case types.Uint:
		return n == 0
	case types.Double:
		return n == 0
	}
	return false
}
