package rules

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"
)

// Statuses a check may return (the strings of internal/result).
const (
	StatusPass          = "PASS"
	StatusFail          = "FAIL"
	StatusManual        = "MANUAL"
	StatusNoEvidence    = "NO_EVIDENCE"
	StatusNotApplicable = "NOT_APPLICABLE"
	StatusError         = "ERROR"
)

var checkStatuses = map[string]bool{StatusPass: true, StatusFail: true, StatusManual: true, StatusNoEvidence: true, StatusNotApplicable: true}

// Input is what one evaluation of a rule sees. Only the fields of the rule's scope need be
// set; the others are bound to empty values.
type Input struct {
	Config  map[string]string // component scope: effective configuration
	Sources map[string]string // component scope: key → source
	File    map[string]any    // file scope
	Node    map[string]any    // node scopes
	Object  any               // object scope: the object (JSON-like values, integers as int64, or ToValue's result)
	// PodSpec is the object's pod spec (PodSpec(Object)); nil binds `podSpec` to null. The
	// analyzer and the test runner set it from Object.
	PodSpec ref.Val
	Cluster map[string]any // object and cluster scope: aggregates
	// ClusterVal, when set, is ToValue(Cluster), converted once for many evaluations.
	ClusterVal ref.Val
	// Size is the length in bytes of the object's JSON encoding (0 = unknown). It bounds
	// every list, map and string in the object, which lets small objects skip runtime cost
	// tracking when the rule's estimate proves them cheap (Rule.fastBound).
	Size int
}

// Verdict is the outcome of one evaluation.
type Verdict struct {
	Status  string // PASS, FAIL, MANUAL, NO_EVIDENCE, NOT_APPLICABLE or ERROR
	Message string // the message expression's value ("" when the rule has none or it was skipped)
	Cost    uint64 // runtime cost charged
	Err     error  // set when Status is ERROR
}

// ErrBudget is returned (wrapped in Verdict.Err) when a cost budget is spent.
var ErrBudget = errors.New("cost budget spent")

// Budget tracks runtime cost per rule (RuleCostBudget) and in total (TotalCostBudget) over
// one assessment. It is safe for concurrent use. A nil *Budget imposes no budget.
type Budget struct {
	total  atomic.Uint64
	mu     sync.Mutex
	byRule map[string]*atomic.Uint64
}

// NewBudget returns a fresh budget.
func NewBudget() *Budget { return &Budget{byRule: map[string]*atomic.Uint64{}} }

func (b *Budget) counter(id string) *atomic.Uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.byRule[id]
	if c == nil {
		c = &atomic.Uint64{}
		b.byRule[id] = c
	}
	return c
}

func (b *Budget) spent(id string) error {
	if b == nil {
		return nil
	}
	if b.total.Load() > TotalCostBudget {
		return fmt.Errorf("%w: all rules together used more than %d (TotalCostBudget)", ErrBudget, TotalCostBudget)
	}
	if b.counter(id).Load() > RuleCostBudget {
		return fmt.Errorf("%w: rule %s used more than %d (RuleCostBudget)", ErrBudget, id, RuleCostBudget)
	}
	return nil
}

func (b *Budget) charge(id string, cost uint64) {
	if b == nil {
		return
	}
	b.total.Add(cost)
	b.counter(id).Add(cost)
}

// Eval evaluates the rule on in (budgets count the cost of tracked evaluations; a fast-path
// evaluation of a small object is proven within PerEvalCostLimit and charges nothing). The message is evaluated too, except for a PASS when
// passMessage is false (object scope lists only non-passing objects, so their messages are
// all it needs). A runtime error or cost overrun in either expression gives ERROR.
// A manual-scope rule gives MANUAL with its manual_reason as message.
func (r *Rule) Eval(in *Input, b *Budget, passMessage bool) Verdict {
	ctx, cancel := context.WithTimeout(context.Background(), PerEvalTimeout)
	defer cancel()
	return r.EvalContext(ctx, in, b, passMessage)
}

// EvalContext is Eval under ctx: cancelling ctx stops a long comprehension (checked every
// interruptEvery iterations) and gives ERROR.
func (r *Rule) EvalContext(ctx context.Context, in *Input, b *Budget, passMessage bool) Verdict {
	if r.check == nil {
		return Verdict{Status: StatusManual, Message: r.ManualReason}
	}
	if err := b.spent(r.ID); err != nil {
		return Verdict{Status: StatusError, Err: err}
	}
	act := newActivation(in)
	check, message := r.check, r.message
	if r.fastCheck != nil && in.Size > 0 && in.Size <= r.fastBound {
		check, message = r.fastCheck, r.fastMessage
	}
	v := evalCheck(ctx, check, act)
	if v.Status == StatusError || message == nil || (v.Status == StatusPass && !passMessage) {
		b.charge(r.ID, v.Cost)
		return v
	}
	out, det, err := message.ContextEval(ctx, act)
	v.Cost += cost(det)
	b.charge(r.ID, v.Cost)
	if err != nil {
		return Verdict{Status: StatusError, Cost: v.Cost, Err: fmt.Errorf("message: %w", err)}
	}
	s, ok := out.(types.String)
	if !ok {
		return Verdict{Status: StatusError, Cost: v.Cost, Err: fmt.Errorf("message returned %s, not a string", out.Type())}
	}
	v.Message = string(s)
	return v
}

func evalCheck(ctx context.Context, check cel.Program, act interpreter.Activation) Verdict {
	out, det, err := check.ContextEval(ctx, act)
	c := cost(det)
	if err != nil {
		return Verdict{Status: StatusError, Cost: c, Err: fmt.Errorf("check: %w", err)}
	}
	switch x := out.(type) {
	case types.Bool:
		if x {
			return Verdict{Status: StatusPass, Cost: c}
		}
		return Verdict{Status: StatusFail, Cost: c}
	case types.String:
		if checkStatuses[string(x)] {
			return Verdict{Status: string(x), Cost: c}
		}
		return Verdict{Status: StatusError, Cost: c, Err: fmt.Errorf("check returned %q, want a bool or one of PASS, FAIL, MANUAL, NO_EVIDENCE, NOT_APPLICABLE", string(x))}
	}
	return Verdict{Status: StatusError, Cost: c, Err: fmt.Errorf("check returned a %s, want a bool or a status string", out.Type())}
}

func cost(d *cel.EvalDetails) uint64 {
	if d == nil || d.ActualCost() == nil {
		return 0
	}
	return *d.ActualCost()
}

// activation binds the rule variables without building a map per evaluation.
type activation struct{ in *Input }

var (
	emptySS = map[string]string{}
	emptySA = map[string]any{}
)

func newActivation(in *Input) interpreter.Activation { return activation{in: in} }

func (a activation) ResolveName(name string) (any, bool) {
	in := a.in
	switch name {
	case VarConfig:
		return orEmptySS(in.Config), true
	case VarSources:
		return orEmptySS(in.Sources), true
	case VarFile:
		return orEmptySA(in.File), true
	case VarNode:
		return orEmptySA(in.Node), true
	case VarCluster:
		if in.ClusterVal != nil {
			return in.ClusterVal, true
		}
		return orEmptySA(in.Cluster), true
	case VarObject:
		if in.Object == nil {
			return types.NullValue, true
		}
		return in.Object, true
	case VarPodSpec:
		if in.PodSpec == nil {
			return types.NullValue, true
		}
		return in.PodSpec, true
	}
	return nil, false
}

func (a activation) Parent() interpreter.Activation { return nil }

func orEmptySS(m map[string]string) map[string]string {
	if m == nil {
		return emptySS
	}
	return m
}

func orEmptySA(m map[string]any) map[string]any {
	if m == nil {
		return emptySA
	}
	return m
}
