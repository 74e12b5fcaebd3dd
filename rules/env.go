package rules

import (
	"fmt"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
)

// Variables every rule expression may reference (docs/rules.md, "What CEL sees"). A variable
// that does not belong to a rule's scope is bound to an empty value, never left unbound.
const (
	VarConfig  = "config"  // map(string, string): effective configuration of the component
	VarSources = "sources" // map(string, string): effective-config key → source
	VarFile    = "file"    // map(string, dyn): one host file
	VarNode    = "node"    // map(string, dyn): the node
	VarObject  = "object"  // dyn: one API object
	VarPodSpec = "podSpec" // dyn: the pod spec of a Pod or of a workload's pod template (PodSpec)
	VarCluster = "cluster" // map(string, dyn): cluster aggregates
)

// Pinned versions of the cel-go extension libraries. A newer cel-go may add functions to a
// library only under a new version number, so pinning keeps the set of functions a rule can
// call fixed until we raise these on purpose (and the inventory test notices).
const (
	stringsVersion  = 3
	listsVersion    = 2
	setsVersion     = 0
	mathVersion     = 1
	optionalVersion = 1
	twoVarVersion   = 0
)

// envOptions is the declarative list the environment is built from.
func envOptions() []cel.EnvOption {
	mapSS := cel.MapType(cel.StringType, cel.StringType)
	mapSD := cel.MapType(cel.StringType, cel.DynType)
	opts := []cel.EnvOption{
		cel.Variable(VarConfig, mapSS),
		cel.Variable(VarSources, mapSS),
		cel.Variable(VarFile, mapSD),
		cel.Variable(VarNode, mapSD),
		cel.Variable(VarObject, cel.DynType),
		cel.Variable(VarPodSpec, cel.DynType),
		cel.Variable(VarCluster, mapSD),
		ext.Strings(ext.StringsVersion(stringsVersion)),
		ext.Lists(ext.ListsVersion(listsVersion)),
		ext.Sets(ext.SetsVersion(setsVersion)),
		ext.Math(ext.MathVersion(mathVersion)),
		ext.TwoVarComprehensions(ext.TwoVarComprehensionsVersion(twoVarVersion)),
		cel.OptionalTypes(cel.OptionalTypesVersion(optionalVersion)),
		cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true),
		cel.ParserRecursionLimit(maxRecursion),
		cel.ParserExpressionSizeLimit(maxExpressionSize),
	}
	for _, lib := range libraries {
		opts = append(opts, cel.Lib(lib))
	}
	return opts
}

// libraries are kubeproof's own function libraries, one per lib_*.go file.
var libraries = []cel.Library{configLib{}, flagsLib{}, filesLib{}, tlsLib{}, versionsLib{}}

var baseEnv = sync.OnceValues(func() (*cel.Env, error) {
	env, err := cel.NewEnv(envOptions()...)
	if err != nil {
		return nil, fmt.Errorf("building the CEL environment: %w", err)
	}
	return env, nil
})

// NewEnv returns the CEL environment rules are compiled in. It is built once per process;
// every call returns the same environment.
func NewEnv() (*cel.Env, error) { return baseEnv() }
