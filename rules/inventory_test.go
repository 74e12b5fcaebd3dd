package rules

import (
	"sort"
	"strings"
	"testing"
)

// ownFunctions pins kubeproof's own CEL functions and their overloads (docs/rules.md,
// "Custom functions"). Adding, removing or retyping one must be a deliberate change here,
// in the lib_*.go doc comment and in docs/rules.md.
var ownFunctions = map[string][]string{
	"isTrue":        {"isTrue_string"},
	"flagList":      {"flagList_string"},
	"listContains":  {"listContains_string_string"},
	"modeAtMost":    {"modeAtMost_int_int"},
	"ownerIs":       {"ownerIs_map_string_string"},
	"ciphersSubset": {"ciphersSubset_string_list"},
	"strongCiphers": {"strongCiphers"},
	"semverAtLeast": {"semverAtLeast_string_string"},
}

// envFunctions pins every function name in the environment (CEL standard library + pinned
// extensions + ours). A cel-go upgrade that changes it means a pinned library changed what
// rules can call; review, then update the list.
const envFunctions = "!_ -_ @in @not_strictly_false @sortByAssociatedKeys _!=_ _%_ _&&_ _*_ _+_ _-_ _/_ _<=_ _<_ _==_ _>=_ _>_ _?._ _?_:_ _[?_] _[_] __not_strictly_false__ _in_ _||_ bool bytes cel.@mapInsert charAt ciphersSubset contains distinct double duration dyn endsWith flagList flatten format getDate getDayOfMonth getDayOfWeek getDayOfYear getFullYear getHours getMilliseconds getMinutes getMonth getSeconds hasValue in indexOf int isTrue join lastIndexOf listContains lists.range lowerAscii matches math.@max math.@min math.abs math.bitAnd math.bitNot math.bitOr math.bitShiftLeft math.bitShiftRight math.bitXor math.ceil math.floor math.isFinite math.isInf math.isNaN math.round math.sign math.trunc modeAtMost optional.none optional.of optional.ofNonZeroValue or orValue ownerIs replace reverse semverAtLeast sets.contains sets.equivalent sets.intersects size slice sort split startsWith string strings.quote strongCiphers substring timestamp trim type uint upperAscii value"

func TestFunctionInventory(t *testing.T) {
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	fns := env.Functions()
	for name, want := range ownFunctions {
		fn, ok := fns[name]
		if !ok {
			t.Errorf("function %s missing", name)
			continue
		}
		var got []string
		for _, o := range fn.OverloadDecls() {
			got = append(got, o.ID())
		}
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s overloads %v, want %v", name, got, want)
		}
	}
	var names []string
	for n := range fns {
		names = append(names, n)
	}
	sort.Strings(names)
	if got := strings.Join(names, " "); got != envFunctions {
		t.Errorf("environment functions changed:\n got %s\nwant %s", got, envFunctions)
	}
	macros := map[string]bool{}
	for _, m := range env.Macros() {
		macros[m.Function()] = true
	}
	for _, m := range []string{"get", "has", "all", "exists", "exists_one", "map", "filter"} {
		if !macros[m] {
			t.Errorf("macro %s missing", m)
		}
	}
}

func TestFunctions(t *testing.T) {
	env, _ := NewEnv()
	cases := map[string]bool{
		`get("a") == "x"`: true, `get("zz") == ""`: true,
		`isTrue("True") && isTrue(" 1 ") && !isTrue("yes")`:                                  true,
		`flagList(" Node, RBAC,,") == ["Node", "RBAC"]`:                                      true,
		`listContains("Node,RBAC", "RBAC") && !listContains("Node,RBACX", "RBAC")`:           true,
		`modeAtMost(384, 384) && modeAtMost(256, 384) && !modeAtMost(420, 384)`:              true,
		`ownerIs({"owner": "root", "group": "root"}, "root", "root")`:                        true,
		`ownerIs({"owner": "", "group": "", "uid": 0, "gid": 0}, "root", "root")`:            true,
		`!ownerIs({"owner": "", "group": "", "uid": 0, "gid": 0}, "etcd", "etcd")`:           true,
		`!ownerIs({"owner": "kube", "group": "root"}, "root", "root")`:                       true,
		`ciphersSubset("TLS_AES_128_GCM_SHA256", strongCiphers())`:                           true,
		`!ciphersSubset("TLS_RSA_WITH_RC4_128_SHA,TLS_AES_128_GCM_SHA256", strongCiphers())`: true,
		`!ciphersSubset("", strongCiphers())`:                                                true,
		`semverAtLeast("v1.33.2", "1.33") && !semverAtLeast("v1.32.9+k3s1", "1.33")`:         true,
		`duration("4h0m0s") <= duration("4h") && duration("5m") < duration("1h")`:            true,
	}
	for expr, want := range cases {
		ast, iss := env.Compile(expr)
		if iss != nil && iss.Err() != nil {
			t.Errorf("%s: %v", expr, iss.Err())
			continue
		}
		prg, _ := env.Program(ast)
		out, _, err := prg.Eval(newActivation(&Input{Config: map[string]string{"a": "x"}}))
		if err != nil || out.Value() != want {
			t.Errorf("%s = %v, %v; want %v", expr, out, err, want)
		}
	}
}

func FuzzParseRule(f *testing.F) {
	f.Add([]byte("id: \"1.2.1\"\nbenchmarks: [cis-1.12]\ntitle: t\nlevel: L1\nassessment: manual\nscope: component\ncomponent: etcd\ncheck: 'get(\"a\") == \"b\"'\n"))
	f.Add([]byte("id: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, errs := ParseRule("f/1.2.1.yaml", data)
		if (r == nil) == (len(errs) == 0) {
			t.Fatalf("rule %v with errors %v", r, errs)
		}
	})
}

func FuzzParseTests(f *testing.F) {
	f.Add([]byte("cases:\n  - name: a\n    config: {x: \"1\"}\n    expect: PASS\n"))
	f.Add([]byte("cases: 3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cases, errs := ParseTests("f/1.2.1.test.yaml", data)
		for _, c := range cases {
			_ = c.Input() // must not panic on any decoded case
		}
		_ = errs
	})
}
