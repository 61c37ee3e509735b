package attributefilterprocessor

import (
	"context"
	"hash/maphash"
	"strconv"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatautil"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/cardinality"
	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
)

// untrackedMetric labels the overflows of metrics beyond max_tracked_metrics.
const untrackedMetric = "otelgate.untracked"

// point is what every data point type has in common here.
type point interface {
	Attributes() pcommon.Map
	StartTimestamp() pcommon.Timestamp
	Timestamp() pcommon.Timestamp
}

// pointSlice is what every data point slice type has in common here.
type pointSlice[P point] interface {
	Len() int
	At(int) P
	RemoveIf(func(P) bool)
}

func (f *filter) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	p := f.policy
	if !p.testsKind(match.KindDataPoint) && !p.hasKeyWork() && !f.guard.Enabled() {
		// Nothing configured for this signal: the batch passes untouched.
		if md.ResourceMetrics().Len() == 0 {
			return md, processorhelper.ErrSkipProcessingData
		}
		return md, nil
	}
	st := f.newStats()
	guard, keys := f.guard.Enabled(), p.hasKeyWork()
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		r := record{kind: match.KindDataPoint, resource: rm.Resource().Attributes()}
		emptied := false
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			p.enterScope(&r, sm.Scope().Attributes(), sm.Scope().Name())
			ms := sm.Metrics()
			had := ms.Len()
			ms.RemoveIf(func(m pmetric.Metric) bool {
				r.metric = m
				return f.processMetric(&r, m, st, guard)
			})
			if had > 0 && ms.Len() == 0 {
				emptied = true
				return true
			}
			if keys {
				p.clean(sm.Scope().Attributes(), levelScope, st)
			}
			return false
		})
		if emptied && rm.ScopeMetrics().Len() == 0 {
			return true
		}
		if keys {
			p.clean(rm.Resource().Attributes(), levelResource, st)
		}
		return false
	})
	f.flush(ctx, st)
	if md.ResourceMetrics().Len() == 0 {
		return md, processorhelper.ErrSkipProcessingData
	}
	return md, nil
}

// processMetric handles the points of one metric and reports whether the
// metric lost all its points and must go.
func (f *filter) processMetric(r *record, m pmetric.Metric, st *stats, guard bool) bool {
	var state *cardinality.Metric
	name := m.Name()
	if guard {
		// One metric at a time holds the guard: concurrent batches interleave.
		f.guard.Lock()
		defer f.guard.Unlock()
		state = f.guard.Metric(name)
		if state != nil && state.Untracked {
			// The metric label of the own telemetry stays bounded too.
			name = untrackedMetric
		}
	}
	cumulative := func(c *collider) { dropCumulative(c, state, f.seriesOf(r, m.Name())) }
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		dps := m.Gauge().DataPoints()
		return processPoints(f, dps, r, st, state, name, func(c *collider) { mergeGauge(dps, c) })
	case pmetric.MetricTypeSum:
		dps := m.Sum().DataPoints()
		if m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityDelta {
			return processPoints(f, dps, r, st, state, name, func(c *collider) { mergeDeltaSum(dps, c) })
		}
		return processPoints(f, dps, r, st, state, name, cumulative)
	case pmetric.MetricTypeHistogram:
		dps := m.Histogram().DataPoints()
		if m.Histogram().AggregationTemporality() == pmetric.AggregationTemporalityDelta {
			return processPoints(f, dps, r, st, state, name, func(c *collider) { mergeDeltaHistogram(dps, c) })
		}
		return processPoints(f, dps, r, st, state, name, cumulative)
	case pmetric.MetricTypeExponentialHistogram:
		dps := m.ExponentialHistogram().DataPoints()
		if m.ExponentialHistogram().AggregationTemporality() == pmetric.AggregationTemporalityDelta {
			return processPoints(f, dps, r, st, state, name, func(c *collider) { mergeDeltaExpHistogram(dps, c) })
		}
		return processPoints(f, dps, r, st, state, name, cumulative)
	case pmetric.MetricTypeSummary:
		dps := m.Summary().DataPoints()
		return processPoints(f, dps, r, st, state, name, cumulative)
	}
	return false
}

// processPoints drops, cleans and guards the points of one metric, then
// resolves the series the guard made collide.
func processPoints[P point, S pointSlice[P]](f *filter, dps S, r *record, st *stats, state *cardinality.Metric, name string, resolve func(*collider)) bool {
	p := f.policy
	had := dps.Len()
	if had == 0 {
		return false
	}
	rules, keys := p.hasRules(), p.hasKeyWork()
	if rules || keys {
		dps.RemoveIf(func(dp P) bool {
			r.attrs = dp.Attributes()
			if rules {
				if v := p.verdict(r); v >= 0 {
					f.countDrop(st, match.KindDataPoint, v)
					return true
				}
			}
			if keys {
				p.clean(dp.Attributes(), levelRecord, st)
			}
			return false
		})
	}
	if state != nil && dps.Len() > 0 {
		if c := guardPoints(f, dps, state, name, st); c != nil {
			resolve(c)
			removeMarked(dps, c, st)
		}
	}
	return dps.Len() == 0
}

// guardPoints replaces values beyond their budget and returns the collisions
// this caused, or nil when no value was replaced.
func guardPoints[P point, S pointSlice[P]](f *filter, dps S, state *cardinality.Metric, name string, st *stats) *collider {
	var c *collider
	var buf [32]byte
	n := dps.Len()
	for i := 0; i < n; i++ {
		attrs := dps.At(i).Attributes()
		for k := range state.Keys {
			key := &state.Keys[k]
			v, ok := attrs.Get(key.Name)
			if !ok {
				continue
			}
			var admitted bool
			if v.Type() == pcommon.ValueTypeStr {
				s := v.Str()
				if s == f.overflow {
					continue
				}
				admitted = key.Admit(s)
			} else {
				text, ok := textOf(buf[:0], v)
				if !ok {
					continue
				}
				admitted = key.AdmitBytes(text)
			}
			if admitted {
				continue
			}
			if c == nil {
				c = newCollider(n)
			}
			c.rewrite(i, attrs)
			v.SetStr(f.overflow)
			if st.overflows == nil {
				st.overflows = map[string]int64{}
			}
			st.overflows[name]++
		}
	}
	if c != nil {
		c.group(func(i int) point { return dps.At(i) })
	}
	return c
}

// seriesOf returns the function naming an overflow series of metric name in
// the resource and scope r points at, the same across batches.
func (f *filter) seriesOf(r *record, name string) func(now [16]byte) uint64 {
	return func(now [16]byte) uint64 {
		res := pdatautil.MapHash(r.resource)
		var h maphash.Hash
		h.SetSeed(f.seed)
		_, _ = h.Write(res[:])
		_, _ = h.WriteString(r.scopeName)
		_ = h.WriteByte(0)
		_, _ = h.WriteString(name)
		_, _ = h.Write(now[:])
		return h.Sum64()
	}
}

// textOf appends the text of a scalar value.
func textOf(buf []byte, v pcommon.Value) ([]byte, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(buf, v.Int(), 10), true
	case pcommon.ValueTypeDouble:
		return strconv.AppendFloat(buf, v.Double(), 'g', -1, 64), true
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(buf, v.Bool()), true
	}
	return buf, false
}
