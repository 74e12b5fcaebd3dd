package rules

import "time"

// Cost limits. CEL cost units are abstract (roughly one unit per simple operation, plus
// size-proportional charges for string and list work); see cel-go's checker/cost.go.
// The numbers follow the spirit of Kubernetes' own CEL limits
// (k8s.io/apiserver/pkg/apis/cel/config.go: PerCallLimit 1e6, RuntimeCELCostBudget 1e7 per
// request), scaled to an offline tool that evaluates every object of a large cluster.
const (
	// PerEvalCostLimit bounds one evaluation of a rule's check or message on one target.
	// A well-written rule costs tens to a few thousand units per target; this stops a
	// runaway comprehension over a hostile object at roughly a tenth of a second of work.
	// It equals Kubernetes' per-request CEL budget (RuntimeCELCostBudget, 1e7).
	PerEvalCostLimit uint64 = 10_000_000

	// MaxEstimatedCost is the largest compile-time worst-case estimate (check + message,
	// with the size hints below) a rule may have. A rule above it is rejected when loading,
	// with its file:line:col, instead of failing later on a big cluster.
	MaxEstimatedCost uint64 = 2 * PerEvalCostLimit

	// RuleCostBudget bounds the total runtime cost of one rule over all its targets in one
	// assessment (1e10 allows 100,000 units for each of 100,000 pods; evaluations on the
	// untracked fast path, which are proven within PerEvalCostLimit, are not counted). When spent, the rest
	// of that rule's targets report ERROR and the other rules carry on.
	RuleCostBudget uint64 = 10_000_000_000

	// TotalCostBudget bounds the runtime cost of all rules in one assessment. When spent,
	// every remaining evaluation reports ERROR.
	TotalCostBudget uint64 = 200_000_000_000

	// sizeHintList and sizeHintString are the worst-case sizes the cost estimator assumes for
	// lists, maps and strings whose size it cannot know (every field of an API object, every
	// config value). 256 list items keeps a two-level nested comprehension over an object
	// (containers × env) under MaxEstimatedCost and rejects a three-level one (256³ steps).
	sizeHintList   uint64 = 256
	sizeHintString uint64 = 4096

	// PerEvalTimeout bounds the wall time of one evaluation (check and message) on one
	// target. cel-go's runtime cost tracker is quadratic in the length of a list a
	// comprehension walks (its value stack is searched linearly per step), so a hostile
	// object with a very long list could take minutes before PerEvalCostLimit triggers;
	// the timeout caps that. interruptEvery is how often comprehensions check it.
	PerEvalTimeout = 2 * time.Second
	interruptEvery = 64

	// maxRecursion and maxExpressionSize bound the parser (nesting depth, code points).
	maxRecursion      = 48
	maxExpressionSize = 16 * 1024
)
