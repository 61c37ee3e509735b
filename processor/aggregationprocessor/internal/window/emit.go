package window

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Namer names the output metric of output for an input metric.
type Namer func(input, output string) string

type emitter struct {
	md      pmetric.Metrics
	res     map[Key]pmetric.ResourceMetrics
	scopes  map[Key]pmetric.ScopeMetrics
	metrics map[Key]pmetric.Metric
}

// Emit appends the points of the closed window w to md and returns how many
// points it appended. For cumulative temporality the additive outputs
// emit the running totals of their series (which w's states are added to).
func (a *Aggregator) Emit(w *Window, md pmetric.Metrics, name Namer) int {
	e := emitter{md: md, res: map[Key]pmetric.ResourceMetrics{}, scopes: map[Key]pmetric.ScopeMetrics{}, metrics: map[Key]pmetric.Metric{}}
	start := pcommon.Timestamp(w.Start)
	end := pcommon.Timestamp(w.Start + a.cfg.Interval)
	points := 0
	for _, s := range w.list {
		g := s.Group
		var run *running
		if a.cfg.Cumulative {
			run = a.runningFor(s, w.Start)
		}
		for i, st := range s.States {
			sh := g.Shapes[i]
			m := e.metric(g, i, name, a.cfg.Cumulative)
			ps, emit := start, st
			if run != nil && sh.Additive {
				if run.States[i] == nil {
					run.States[i] = g.Outputs[i].New(g.Input)
				}
				if !run.States[i].(Merger).Merge(st) {
					// the total cannot go on (histogram bounds changed):
					// it starts again with this window, under a new start time
					run.States[i] = g.Outputs[i].New(g.Input)
					run.States[i].(Merger).Merge(st)
					run.restart(i, len(s.States), w.Start)
				}
				ps, emit = pcommon.Timestamp(run.start(i)), run.States[i]
			}
			attrs, ok := emit.AppendTo(m, ps, end)
			if !ok {
				continue
			}
			if run != nil && sh.Additive {
				_ = run.Attrs.CopyTo(attrs)
			} else {
				_ = s.Attrs.CopyTo(attrs)
			}
			points++
		}
	}
	if a.cfg.Cumulative {
		a.expireRunning(w.Start)
	}
	return points
}

// runningFor returns the running totals of series s, creating them (or,
// beyond MaxSeries running series, using the group's overflow totals).
func (a *Aggregator) runningFor(s *Series, windowStart int64) *running {
	r := a.running[s.Key]
	if r != nil && len(r.States) != len(s.States) {
		// restored from a checkpoint of other outputs: start again
		r = nil
	}
	if r == nil {
		key, attrs := s.Key, s.Attrs
		if len(a.running) >= a.cfg.MaxSeries+a.groupsBound() {
			key, attrs = s.Group.Key.With(overflowSalt), overflowAttrs
			r = a.running[key]
			if r != nil && len(r.States) != len(s.States) {
				r = nil
			}
		}
		if r == nil {
			r = &running{Start: windowStart, Attrs: attrs, States: make([]State, len(s.States))}
			a.running[key] = r
		}
	}
	r.Last = windowStart
	return r
}

// groupsBound leaves room for one overflow running series per metric.
func (a *Aggregator) groupsBound() int { return 64 }

func (a *Aggregator) expireRunning(now int64) {
	for k, r := range a.running {
		if now-r.Last > runningIdleWindows*a.cfg.Interval {
			delete(a.running, k)
		}
	}
}

func (e *emitter) metric(g *Group, i int, name Namer, cumulative bool) pmetric.Metric {
	mk := g.Key.With(uint64(i) + 1)
	if m, ok := e.metrics[mk]; ok {
		return m
	}
	rm, ok := e.res[g.ResKey]
	if !ok {
		rm = e.md.ResourceMetrics().AppendEmpty()
		_ = g.Resource.CopyTo(rm.Resource().Attributes())
		rm.SetSchemaUrl(g.ResourceURL)
		e.res[g.ResKey] = rm
	}
	sk := g.ResKey.WithKey(g.ScopeKey)
	sm, ok := e.scopes[sk]
	if !ok {
		sm = rm.ScopeMetrics().AppendEmpty()
		sm.Scope().SetName(g.ScopeName)
		sm.Scope().SetVersion(g.ScopeVer)
		sm.SetSchemaUrl(g.ScopeURL)
		e.scopes[sk] = sm
	}
	m := sm.Metrics().AppendEmpty()
	m.SetName(name(g.Name, g.Outputs[i].Name()))
	m.SetDescription(g.Description)
	m.SetUnit(g.Unit)
	sh := g.Shapes[i]
	temporality := pmetric.AggregationTemporalityDelta
	if cumulative && sh.Additive {
		temporality = pmetric.AggregationTemporalityCumulative
	}
	switch sh.Type {
	case pmetric.MetricTypeSum:
		s := m.SetEmptySum()
		s.SetIsMonotonic(sh.Monotonic)
		s.SetAggregationTemporality(temporality)
	case pmetric.MetricTypeGauge:
		m.SetEmptyGauge()
	case pmetric.MetricTypeHistogram:
		m.SetEmptyHistogram().SetAggregationTemporality(temporality)
	case pmetric.MetricTypeExponentialHistogram:
		m.SetEmptyExponentialHistogram().SetAggregationTemporality(temporality)
	}
	e.metrics[mk] = m
	return m
}
