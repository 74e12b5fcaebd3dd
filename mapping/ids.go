package mapping

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/kubeproof/kubeproof/internal/result"
)

// Framework keys, as used in report.json (architecture.md §5). The framework version is
// part of every key so that ids of different revisions are never mixed.
const (
	NIST  = "nist-800-53-r5"
	PCI   = "pci-dss-4.0.1"
	SOC2  = "soc2-2017"
	idAny = "*" // control column of a pair-wide "none" row
)

// framework is one supported framework: what it is, and what its control ids look like.
type framework struct {
	info result.Framework
	id   *regexp.Regexp // a well-formed control id
	form string         // the id form, for error hints
}

// frameworks lists the supported frameworks in key order.
var frameworks = []framework{
	{
		info: result.Framework{Key: NIST, Name: "NIST SP 800-53", Version: "Rev. 5"},
		// family-number, optionally an enhancement in parentheses: AC-6, AC-6(5), SC-8(1)
		id:   regexp.MustCompile(`^(AC|AT|AU|CA|CM|CP|IA|IR|MA|MP|PE|PL|PM|PS|PT|RA|SA|SC|SI|SR)-[1-9][0-9]?(\([1-9][0-9]?\))?$`),
		form: `FAMILY-N or FAMILY-N(E), e.g. "CM-6", "AC-6(5)"`,
	},
	{
		info: result.Framework{Key: PCI, Name: "PCI DSS", Version: "v4.0.1"},
		// requirement 1–12 (or appendix A1–A3) followed by one to three numbered levels
		id:   regexp.MustCompile(`^([1-9]|1[0-2]|A[1-3])(\.[1-9][0-9]?){1,3}$`),
		form: `a requirement number such as "2.2.1" or "10.2.1.2"`,
	},
	{
		info: result.Framework{Key: SOC2, Name: "SOC 2 Trust Services Criteria", Version: "2017 (revised points of focus, 2022)"},
		// the criteria that exist in TSP section 100 (2017): CC1.1–CC9.2, A1.1–A1.3, C1.1–C1.2, PI1.1–PI1.5, P1.1–P8.1
		id: regexp.MustCompile(`^(CC(1\.[1-5]|2\.[1-3]|3\.[1-4]|4\.[12]|5\.[1-3]|6\.[1-8]|7\.[1-5]|8\.1|9\.[12])` +
			`|A1\.[1-3]|C1\.[12]|PI1\.[1-5]|P(1\.1|2\.1|3\.[12]|4\.[1-3]|5\.[12]|6\.[1-7]|7\.1|8\.1))$`),
		form: `a criterion such as "CC6.1" or "A1.2"`,
	},
}

// ruleID is the form of a rule id: CIS ids ("1.2.1") and ids of an organisation's own rules.
var ruleID = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$`)

// frameworkByKey returns the framework with key k.
func frameworkByKey(k string) (framework, bool) {
	for _, f := range frameworks {
		if f.info.Key == k {
			return f, true
		}
	}
	return framework{}, false
}

// frameworkKeys returns the supported keys, comma-separated, for hints.
func frameworkKeys() string {
	var k []string
	for _, f := range frameworks {
		k = append(k, f.info.Key)
	}
	return strings.Join(k, ", ")
}

// normalizeControl canonicalises the letter case of a control id (ids are case-insensitive
// in input; "ac-6(5)" is AC-6(5)).
func normalizeControl(c string) string { return strings.ToUpper(strings.TrimSpace(c)) }

// WellFormed reports whether control is a well-formed id for the framework key fw.
func WellFormed(fw, control string) bool {
	f, ok := frameworkByKey(fw)
	return ok && f.id.MatchString(control)
}

// lessControl orders control ids: SOC 2 common criteria (CC) before the additional
// categories in the order AICPA lists them (A, C, PI, P); otherwise natural order.
func lessControl(fw, a, b string) bool {
	if fw == SOC2 {
		if ra, rb := soc2Rank(a), soc2Rank(b); ra != rb {
			return ra < rb
		}
	}
	return naturalLess(a, b)
}

func soc2Rank(id string) int {
	for i, p := range []string{"CC", "A", "C", "PI", "P"} {
		if strings.HasPrefix(id, p) && len(id) > len(p) && id[len(p)] >= '0' && id[len(p)] <= '9' {
			return i
		}
	}
	return 5
}

// naturalLess compares strings chunk by chunk, numbers numerically:
// 1.1.2 < 1.1.10 < 1.2.1 < 2.1; AC-6 < AC-6(1) < AC-6(10) < AC-12.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		ca, ra := chunk(a)
		cb, rb := chunk(b)
		if ca != cb {
			na, ea := strconv.ParseUint(ca, 10, 64)
			nb, eb := strconv.ParseUint(cb, 10, 64)
			if ea == nil && eb == nil && na != nb {
				return na < nb
			}
			return ca < cb
		}
		a, b = ra, rb
	}
	return len(a) < len(b)
}

// chunk splits s into its leading run of digits or of non-digits and the rest.
func chunk(s string) (string, string) {
	digit := s[0] >= '0' && s[0] <= '9'
	i := 1
	for i < len(s) && (s[i] >= '0' && s[i] <= '9') == digit {
		i++
	}
	return s[:i], s[i:]
}
