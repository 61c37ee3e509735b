package adaptivesamplingprocessor // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"

	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"
)

// unmatchedRule names, in telemetry, items that no rule matched; they pass unchanged.
const unmatchedRule = "_unmatched"

// rule is one compiled rule: its conditions, its sampler and its decision counters.
type rule struct {
	name        string
	conditions  *ottl.ConditionSequence[*ottlspan.TransformContext] // nil: catch-all
	fixed       *sampler.Rate                                       // always_sample, probabilistic
	table       *sampler.Table                                      // adaptive samplers
	fingerprint []string
	shed        *shedding // nil: the load-shedding factor does not apply

	sampled    atomic.Int64
	notSampled atomic.Int64
	// lastLocal is the local count of the last interval taken (owned by
	// rates.adjust).
	lastLocal int64
	// fleetKept counts the kept items since the last brake step; pendingBrake
	// is the agreed factor not yet due; brakeChanges counts the applied
	// factors that changed rates.
	fleetKept    atomic.Int64
	pendingBrake atomic.Pointer[brakeDecision]
	// lastBrake is the interval and instant (in due) of the last brake step
	// (owned by brakeStep).
	lastBrake    brakeDecision
	brakeChanges atomic.Int64
}

// kept records n kept items: adaptive_throughput budgets are guarded within
// each interval.
func (r *rule) kept(n int64) {
	if r.table != nil {
		r.table.Kept(n)
		r.fleetKept.Add(n)
	}
}

// endBatch runs the budget checks that fell due during a batch.
func endBatch(rules []*rule) {
	for _, r := range rules {
		if r.table != nil {
			r.table.EndBatch()
		}
	}
}

// compileRules builds the rules of cfg. Conditions are parsed only when
// withConditions is set (the traces signal).
func compileRules(cfg *Config, set component.TelemetrySettings, withConditions bool) ([]*rule, error) {
	var parser *ottl.Parser[*ottlspan.TransformContext]
	rules := make([]*rule, 0, len(cfg.Rules))
	for i, rc := range cfg.Rules {
		r := &rule{name: rc.Name, fingerprint: rc.FingerprintAttributes}
		if withConditions && len(rc.Conditions) > 0 {
			if parser == nil {
				p, err := ottlspan.NewParser(ottlfuncs.StandardConverters[*ottlspan.TransformContext](), set)
				if err != nil {
					return nil, err
				}
				parser = &p
			}
			conds, err := parser.ParseConditions(rc.Conditions)
			if err != nil {
				return nil, fmt.Errorf("rules[%d].conditions: %w", i, err)
			}
			seq := ottlspan.NewConditionSequence(conds, set, ottlspan.WithConditionSequenceErrorMode(ottl.SilentError))
			r.conditions = &seq
		}
		var err error
		switch rc.Type {
		case SamplerAlwaysSample:
			r.fixed, err = sampler.NewRate(sampler.Always{}.Probability(), cfg.SamplingPrecision)
		case SamplerProbabilistic:
			r.fixed, err = sampler.NewRate(sampler.Probabilistic{Percentage: rc.SamplingPercentage}.Probability(), cfg.SamplingPrecision)
		case SamplerAdaptivePercentage:
			r.table, err = sampler.NewTable(sampler.AdaptivePercentage{Goal: rc.GoalPercentage / 100}, cfg.MaxKeys, cfg.EMAWeight, cfg.SamplingPrecision)
		case SamplerAdaptiveThroughput:
			r.table, err = sampler.NewTable(sampler.AdaptiveThroughput{GoalPerSecond: rc.GoalSpansPerSecond}, cfg.MaxKeys, cfg.EMAWeight, cfg.SamplingPrecision)
		default:
			err = fmt.Errorf("unknown sampler type %q", rc.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("rules[%d]: %w", i, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// match returns the first rule whose conditions match the item, or nil.
func matchRule(ctx context.Context, rules []*rule, tctx *ottlspan.TransformContext) *rule {
	for _, r := range rules {
		if r.conditions == nil {
			return r
		}
		if ok, _ := r.conditions.Eval(ctx, tctx); ok {
			return r
		}
	}
	return nil
}

// rate returns the rule's current rate for an item with the given attributes,
// counting n items for adaptive samplers. buf is scratch space for the key.
func (r *rule) rate(resource, attrs pcommon.Map, buf []byte, n int64) *sampler.Rate {
	if r.shed != nil {
		return r.shed.scale(r.unscaledRate(resource, attrs, buf, n))
	}
	return r.unscaledRate(resource, attrs, buf, n)
}

func (r *rule) unscaledRate(resource, attrs pcommon.Map, buf []byte, n int64) *sampler.Rate {
	if r.fixed != nil {
		return r.fixed
	}
	buf = appendKey(buf[:0], r.fingerprint, resource, attrs)
	k := r.table.Lookup(buf)
	if n == 1 {
		return r.table.Observe(k)
	}
	return r.table.ObserveN(k, n)
}

// appendKey appends the values of the fingerprint attributes (item attributes
// first, then resource attributes), separated by '|', to buf.
func appendKey(buf []byte, names []string, resource, attrs pcommon.Map) []byte {
	for i, name := range names {
		if i > 0 {
			buf = append(buf, '|')
		}
		v, ok := attrs.Get(name)
		if !ok {
			v, ok = resource.Get(name)
		}
		if ok {
			buf = appendValue(buf, v)
		}
	}
	return buf
}

func appendValue(buf []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return append(buf, v.Str()...)
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(buf, v.Int(), 10)
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(buf, v.Bool())
	case pcommon.ValueTypeDouble:
		f := v.Double()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return append(buf, v.AsString()...)
		}
		return strconv.AppendFloat(buf, f, 'g', -1, 64)
	default:
		return append(buf, v.AsString()...)
	}
}
