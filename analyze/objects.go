package analyze

import (
	"context"
	"fmt"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/rules"
)

var aggregateRef = regexp.MustCompile(`cluster\s*\.\s*\??\s*([a-z_]+)|"([a-z_]+)"\s+in\s+cluster`)

// aggregateUses lists the `cluster` keys a rule's expressions mention.
func aggregateUses(r *rules.Rule) []string {
	seen := map[string]bool{}
	for _, m := range aggregateRef.FindAllStringSubmatch(r.Check+"\n"+r.Message, -1) {
		k := m[1] + m[2]
		if _, known := aggregateKeys[k]; known {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// aggregateGap explains why an aggregate the rule uses is not known, or "".
func (a *assessment) aggregateGap(r *rules.Rule) string {
	for _, k := range aggregateUses(r) {
		for _, res := range aggregateKeys[k] {
			if why := a.cluster.missing(res); why != "" {
				return fmt.Sprintf("cluster.%s is unknown: %s", k, why)
			}
		}
	}
	return ""
}

// aggregateEvidence lists the members the aggregates a rule uses rest on.
func (a *assessment) aggregateEvidence(r *rules.Rule) []result.EvidenceRef {
	members := []string{}
	if _, ok := a.cluster.members[evidence.PathClusterInfo]; ok {
		members = append(members, evidence.PathClusterInfo)
	}
	for _, k := range aggregateUses(r) {
		for _, res := range aggregateKeys[k] {
			for _, rr := range a.cluster.byPlural[res] {
				members = append(members, rr.Members...)
			}
		}
	}
	return refs(a.cluster.loaded, members)
}

// objAcc accumulates one object rule's verdicts: counts over every object, targets for the
// objects that did not pass.
type objAcc struct {
	counts  map[string]int
	kinds   map[string]bool // kinds of every object evaluated, passing ones included
	targets []result.Target
}

func newAcc() *objAcc { return &objAcc{counts: map[string]int{}, kinds: map[string]bool{}} }

func (o *objAcc) add(t result.Target) {
	o.counts[t.Status]++
	if t.Object != nil && t.Object.Kind != "" {
		o.kinds[t.Object.Kind] = true
	}
	if t.Status != result.Pass {
		o.targets = append(o.targets, t)
	}
}

func (o *objAcc) merge(x *objAcc) {
	for k, v := range x.counts {
		o.counts[k] += v
	}
	for k := range x.kinds {
		o.kinds[k] = true
	}
	o.targets = append(o.targets, x.targets...)
}

type page struct {
	member string
	plural string
	kind   string
	data   []byte
}

// evalObjectRules streams the cluster bundle's object pages a second time and evaluates
// every object rule on every object of its resources, on all workers. Only one page per
// worker (plus a small queue) is in memory at a time.
func (a *assessment) evalObjectRules(rs []*rules.Rule, o bundle.Options) (map[string]*objAcc, map[string]string, error) {
	accs := map[string]*objAcc{}
	skip := map[string]string{} // rule id → rule-level reason when nothing can be evaluated
	if a.cluster == nil {
		for _, r := range rs {
			skip[r.ID] = "no cluster bundle is part of this assessment"
		}
		return accs, skip, nil
	}
	byRes := map[string][]*rules.Rule{}
	for _, r := range rs {
		acc := newAcc()
		accs[r.ID] = acc
		if why := a.aggregateGap(r); why != "" {
			acc.add(result.Target{Status: result.NoEvidence, Reason: why, Source: result.SourceAPI, Evidence: []result.EvidenceRef{}})
			continue
		}
		for _, res := range r.Resources {
			if why := a.cluster.missing(res); why != "" {
				acc.add(result.Target{Status: result.NoEvidence, Reason: why, Source: result.SourceAPI, Evidence: []result.EvidenceRef{}})
			}
			byRes[res] = append(byRes[res], r)
		}
	}
	if len(byRes) == 0 {
		return accs, skip, nil
	}
	clusterVal := a.cluster.value()
	jobs := make(chan page, a.workers*2)
	results := make(chan map[string]*objAcc, a.workers)
	var wg sync.WaitGroup
	for i := 0; i < a.workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- a.objectWorker(jobs, byRes, clusterVal, o.Limits.MaxJSONDepth)
		}()
	}
	_, err := walk(a.cluster.path, o, func(l *loaded, m bundle.Member, r io.Reader) error {
		plural := pluralOf(m.Path)
		if !strings.HasPrefix(m.Path, evidence.PrefixObjects) || len(byRes[plural]) == 0 {
			return nil
		}
		data, err := io.ReadAll(r) // to the end: the member's hash is checked before use
		if err != nil {
			return err
		}
		kind := ""
		if res := a.cluster.byMember[m.Path]; res != nil {
			kind = res.Kind
		}
		jobs <- page{member: m.Path, plural: plural, kind: kind, data: data}
		return nil
	}, false)
	close(jobs)
	wg.Wait()
	close(results)
	for part := range results {
		for id, acc := range part {
			accs[id].merge(acc)
		}
	}
	return accs, skip, err
}

func (a *assessment) objectWorker(jobs <-chan page, byRes map[string][]*rules.Rule, clusterVal map[string]any, depth int) map[string]*objAcc {
	local := map[string]*objAcc{}
	clusterCEL := rules.ToValue(clusterVal)
	acc := func(id string) *objAcc {
		if local[id] == nil {
			local[id] = newAcc()
		}
		return local[id]
	}
	for pg := range jobs {
		ev := []result.EvidenceRef{a.cluster.ref(pg.member)}
		line := 0
		_ = splitLines(pg.data, func(b []byte) error {
			line++
			obj, err := decodeCEL(b, depth)
			if err != nil {
				for _, r := range byRes[pg.plural] {
					acc(r.ID).add(result.Target{Object: &result.ObjectRef{Kind: pg.kind, Name: fmt.Sprintf("(line %d of %s)", line, pg.member)},
						Status: result.NoEvidence, Reason: err.Error(), Source: result.SourceAPI, Evidence: ev})
				}
				return nil
			}
			ref := objectRefCEL(obj, pg.kind)
			ov := types.NewRefValMap(types.DefaultTypeAdapter, obj)
			in := &rules.Input{Object: ov, PodSpec: rules.PodSpec(ov), ClusterVal: clusterCEL, Size: len(b)}
			ctx, cancel := context.WithTimeout(context.Background(), rules.PerEvalTimeout*4)
			for _, r := range byRes[pg.plural] {
				v := r.EvalContext(ctx, in, a.budget, false)
				t := result.Target{Object: ref, Source: result.SourceAPI, Evidence: ev}
				applyVerdict(&t, v)
				t.Actual = v.Message
				acc(r.ID).add(t)
			}
			cancel()
			return nil
		})
	}
	return local
}

// sortedKinds lists the kinds the accumulator saw, sorted.
func (o *objAcc) sortedKinds() []string {
	out := make([]string, 0, len(o.kinds))
	for k := range o.kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// objectRefCEL names obj, filling in kind (LIST items carry none) from the resource inventory.
func objectRefCEL(obj map[ref.Val]ref.Val, kind string) *result.ObjectRef {
	if k, ok := obj[types.String("kind")].(types.String); ok && k != "" {
		kind = string(k)
	} else if kind != "" {
		obj[types.String("kind")] = types.String(kind)
	}
	str := func(m ref.Val, key string) string {
		if mm, ok := m.(traits.Mapper); ok {
			if v, found := mm.Find(types.String(key)); found {
				if s, ok := v.(types.String); ok {
					return string(s)
				}
			}
		}
		return ""
	}
	meta := obj[types.String("metadata")]
	return &result.ObjectRef{Kind: kind, Namespace: str(meta, "namespace"), Name: str(meta, "name")}
}
