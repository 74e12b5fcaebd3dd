package rules

import (
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// tlsLib judges TLS cipher suite settings (--tls-cipher-suites, tlsCipherSuites).
//
//	ciphersSubset(s string, allowed list(string)) -> bool
//	    Every suite of flagList(s) is in allowed; false when s names no suite (an unset
//	    list means "the Go defaults", which the benchmark does not accept as configured).
//	    Example: ciphersSubset(get("tls-cipher-suites"), strongCiphers())
//
//	strongCiphers() -> list(string)
//	    The cipher suites the CIS Kubernetes Benchmark accepts: TLS 1.3 suites and ECDHE
//	    suites with AES-GCM or ChaCha20-Poly1305, by their Go (IANA) names.
//	    Example: ciphersSubset(get("tlsCipherSuites"), strongCiphers())
type tlsLib struct{}

// StrongCiphers is the list strongCiphers() returns, sorted.
var StrongCiphers = []string{
	"TLS_AES_128_GCM_SHA256",
	"TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
}

func (tlsLib) CompileOptions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Function("ciphersSubset",
			cel.Overload("ciphersSubset_string_list", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
				cel.BinaryBinding(func(s, allowed ref.Val) ref.Val {
					l, ok := allowed.(traits.Lister)
					if !ok {
						return types.NewErr("ciphersSubset: second argument is not a list")
					}
					return types.Bool(ciphersSubset(string(s.(types.String)), l))
				}))),
		cel.Function("strongCiphers",
			cel.Overload("strongCiphers", nil, cel.ListType(cel.StringType),
				cel.FunctionBinding(func(...ref.Val) ref.Val {
					return types.DefaultTypeAdapter.NativeToValue(StrongCiphers)
				}))),
	}
}

func (tlsLib) ProgramOptions() []cel.ProgramOption { return nil }

func ciphersSubset(s string, allowed traits.Lister) bool {
	suites := flagList(s)
	if len(suites) == 0 {
		return false
	}
	for _, c := range suites {
		if allowed.Contains(types.String(c)) != types.True {
			return false
		}
	}
	return true
}
