package aggregationprocessor

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/window"
)

// The input side of the processor: a matched metric's points are converted
// to window samples (increases, for cumulative input) and pushed to their
// window's series, the way internal/window/emit.go converts the windows back.

func inputOf(m pmetric.Metric) (window.Input, bool) {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return window.Input{Kind: window.KindGauge}, true
	case pmetric.MetricTypeSum:
		return window.Input{Kind: window.KindSum, Monotonic: m.Sum().IsMonotonic()}, true
	case pmetric.MetricTypeHistogram:
		return window.Input{Kind: window.KindHistogram}, true
	case pmetric.MetricTypeExponentialHistogram:
		return window.Input{Kind: window.KindExpHistogram}, true
	}
	return window.Input{}, false
}

// metricCtx is what the points of one metric share while they are taken in.
type metricCtx struct {
	r       *rule
	rm      pmetric.ResourceMetrics
	sm      pmetric.ScopeMetrics
	m       pmetric.Metric
	in      window.Input
	metric  window.Metric
	gk      window.Key
	fullKey window.Key
	// cumulative: the points are turned into increases per input series
	cumulative bool
	now        int64
}

// consumeMetric takes the points of m into r's windows and reports whether
// m is to be removed from the batch (all points taken, keep_input unset).
func (p *aggregationProcessor) consumeMetric(r *rule, rm pmetric.ResourceMetrics, sm pmetric.ScopeMetrics, m pmetric.Metric, now int64) bool {
	in, ok := inputOf(m)
	if !ok || !r.agg.Applies(in) {
		return false
	}
	if !r.resDone {
		r.resKey = r.reducer.Hash(rm.Resource().Attributes()).WithString(rm.SchemaUrl())
		r.resDone = true
	}
	// held by the processor (under its lock): a local would escape to the
	// heap through the series source
	p.mc = metricCtx{r: r, rm: rm, sm: sm, m: m, in: in, now: now}
	mc := &p.mc
	mc.metric = window.Metric{Name: m.Name(), Description: m.Description(), Unit: m.Unit(), Input: in}
	scopeKey := window.Key{}.WithString(sm.Scope().Name()).WithString(sm.Scope().Version()).WithString(sm.SchemaUrl())
	mc.gk = r.resKey.WithKey(scopeKey).WithString(m.Name()).With(uint64(in.Kind)<<1 | b2u(in.Monotonic))
	switch m.Type() {
	case pmetric.MetricTypeSum:
		mc.cumulative = r.sumDeltas && m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityCumulative
	case pmetric.MetricTypeHistogram:
		mc.cumulative = m.Histogram().AggregationTemporality() == pmetric.AggregationTemporalityCumulative
	case pmetric.MetricTypeExponentialHistogram:
		mc.cumulative = m.ExponentialHistogram().AggregationTemporality() == pmetric.AggregationTemporalityCumulative
	}
	if mc.cumulative {
		if !r.fullOK {
			r.fullKey = p.all.Hash(rm.Resource().Attributes()).WithString(rm.SchemaUrl())
			r.fullOK = true
		}
		mc.fullKey = r.fullKey.WithKey(scopeKey).WithString(m.Name()).With(uint64(in.Kind)<<1 | b2u(in.Monotonic))
	}
	keep := r.cfg.KeepInput
	remaining := 0
	switch m.Type() {
	case pmetric.MetricTypeGauge, pmetric.MetricTypeSum:
		var dps pmetric.NumberDataPointSlice
		if m.Type() == pmetric.MetricTypeSum {
			dps = m.Sum().DataPoints()
		} else {
			dps = m.Gauge().DataPoints()
		}
		dps.RemoveIf(func(dp pmetric.NumberDataPoint) bool {
			taken := p.takeNumber(mc, dp)
			return taken && !keep
		})
		remaining = dps.Len()
	case pmetric.MetricTypeHistogram:
		dps := m.Histogram().DataPoints()
		dps.RemoveIf(func(dp pmetric.HistogramDataPoint) bool {
			taken := p.takeHistogram(mc, dp)
			return taken && !keep
		})
		remaining = dps.Len()
	case pmetric.MetricTypeExponentialHistogram:
		dps := m.ExponentialHistogram().DataPoints()
		dps.RemoveIf(func(dp pmetric.ExponentialHistogramDataPoint) bool {
			taken := p.takeExpHistogram(mc, dp)
			return taken && !keep
		})
		remaining = dps.Len()
	}
	return remaining == 0
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// matches applies the rule's attribute matchers to a point and its resource.
func (mc *metricCtx) matches(attrs pcommon.Map) bool {
	for k, want := range mc.r.cfg.Attributes {
		v, ok := attrs.Get(k)
		if !ok {
			v, ok = mc.rm.Resource().Attributes().Get(k)
		}
		if !ok || v.AsString() != want {
			return false
		}
	}
	return true
}

// seriesOf is series, remembered per cumulative input series (in, nil for
// other input) for the rest of the window.
func (p *aggregationProcessor) seriesOf(mc *metricCtx, w *window.Window, attrs pcommon.Map, in *window.InputState) *window.Series {
	if s := in.Output(w); s != nil {
		return s
	}
	s := p.series(mc, w, attrs)
	in.SetOutput(w, s)
	return s
}

// series finds or creates the output series of a point in window w.
func (p *aggregationProcessor) series(mc *metricCtx, w *window.Window, attrs pcommon.Map) *window.Series {
	r := mc.r
	sk := mc.gk.WithKey(r.reducer.Hash(attrs))
	if s := w.Lookup(sk); s != nil {
		return s
	}
	p.src = seriesSource{p: p, mc: mc, attrs: attrs}
	s, newly := r.agg.SeriesFor(w, mc.gk, sk, &mc.metric, &p.src)
	p.src = seriesSource{}
	if newly {
		r.overflowed++
	}
	return s
}

// seriesSource builds the group and the attributes of a point's new series
// (window.SeriesSource).
type seriesSource struct {
	p     *aggregationProcessor
	mc    *metricCtx
	attrs pcommon.Map
}

// Attrs returns the point's attributes reduced by the rule.
func (s *seriesSource) Attrs() window.Attrs {
	var enc window.Attrs
	enc, s.p.scratch = window.EncodeAttrs(&s.mc.r.reducer, s.attrs, s.p.scratch)
	return enc
}

// Group returns the group of the point's metric, resource and scope.
func (s *seriesSource) Group() *window.Group {
	mc := s.mc
	var res window.Attrs
	res, s.p.scratch = window.EncodeAttrs(&mc.r.reducer, mc.rm.Resource().Attributes(), s.p.scratch)
	scope := mc.sm.Scope()
	return &window.Group{
		Key:         mc.gk,
		ResKey:      mc.r.resKey,
		ScopeKey:    window.Key{}.WithString(scope.Name()).WithString(scope.Version()).WithString(mc.sm.SchemaUrl()),
		Resource:    res,
		ResourceURL: mc.rm.SchemaUrl(),
		ScopeName:   scope.Name(),
		ScopeVer:    scope.Version(),
		ScopeURL:    mc.sm.SchemaUrl(),
		Name:        mc.metric.Name,
		Description: mc.metric.Description,
		Unit:        mc.metric.Unit,
		Input:       mc.in,
	}
}

// place finds the window of a point stamped ts, counting late points.
func (mc *metricCtx) place(ts int64) *window.Window {
	w, pl := mc.r.agg.Window(ts, mc.now)
	switch pl {
	case window.LateMoved:
		mc.r.lateMoved++
	case window.LateDropped:
		mc.r.lateDropped++
	}
	return w
}

func (p *aggregationProcessor) takeNumber(mc *metricCtx, dp pmetric.NumberDataPoint) bool {
	if !mc.matches(dp.Attributes()) {
		return false
	}
	r := mc.r
	if dp.Flags().NoRecordedValue() {
		r.invalid++
		return true
	}
	var v window.Number
	switch dp.ValueType() {
	case pmetric.NumberDataPointValueTypeInt:
		v = window.Int(dp.IntValue())
	case pmetric.NumberDataPointValueTypeDouble:
		if math.IsNaN(dp.DoubleValue()) || math.IsInf(dp.DoubleValue(), 0) {
			r.invalid++
			return true
		}
		v = window.Float(dp.DoubleValue())
	default:
		r.invalid++
		return true
	}
	ts := int64(dp.Timestamp())
	d := v
	var in *window.InputState
	if mc.cumulative {
		key := mc.fullKey.WithKey(p.all.Hash(dp.Attributes()))
		var out window.Outcome
		d, out = r.inputs.Number(key, int64(dp.StartTimestamp()), ts, v, mc.in.Monotonic, mc.now)
		in = r.inputs.Last
		if r.consumedByInputs(out) {
			return true
		}
	}
	p.push(mc, ts, dp.Attributes(), in, window.Sample{Time: ts, Value: v, Delta: d})
	return true
}

func (p *aggregationProcessor) takeHistogram(mc *metricCtx, dp pmetric.HistogramDataPoint) bool {
	if !mc.matches(dp.Attributes()) {
		return false
	}
	r := mc.r
	if dp.Flags().NoRecordedValue() || (dp.BucketCounts().Len() != 0 && dp.BucketCounts().Len() != dp.ExplicitBounds().Len()+1) {
		r.invalid++
		return true
	}
	h := &window.Histogram{
		Count: dp.Count(), Sum: dp.Sum(), HasSum: dp.HasSum(),
		Min: dp.Min(), HasMin: dp.HasMin(), Max: dp.Max(), HasMax: dp.HasMax(),
		Bounds: dp.ExplicitBounds().AsRaw(), Counts: dp.BucketCounts().AsRaw(), Merged: true,
	}
	ts := int64(dp.Timestamp())
	var in *window.InputState
	if mc.cumulative {
		key := mc.fullKey.WithKey(p.all.Hash(dp.Attributes()))
		d, out := r.inputs.Histogram(key, int64(dp.StartTimestamp()), ts, h, mc.now)
		in = r.inputs.Last
		if r.consumedByInputs(out) {
			return true
		}
		if out == window.Baseline {
			d = &window.Histogram{Bounds: h.Bounds, Counts: make([]uint64, len(h.Counts)), HasSum: h.HasSum, Merged: true}
		}
		h = d
	}
	mc.r.boundsRejected += int64(p.push(mc, ts, dp.Attributes(), in, window.Sample{Time: ts, Hist: h}))
	return true
}

func (p *aggregationProcessor) takeExpHistogram(mc *metricCtx, dp pmetric.ExponentialHistogramDataPoint) bool {
	if !mc.matches(dp.Attributes()) {
		return false
	}
	r := mc.r
	if dp.Flags().NoRecordedValue() || dp.Scale() < window.MinExpScale || dp.Scale() > window.MaxExpScale ||
		!window.ValidRange(dp.Scale(), dp.Positive().Offset(), dp.Positive().BucketCounts().Len()) ||
		!window.ValidRange(dp.Scale(), dp.Negative().Offset(), dp.Negative().BucketCounts().Len()) {
		r.invalid++
		return true
	}
	h := &window.ExpHistogram{
		Count: dp.Count(), Sum: dp.Sum(), HasSum: dp.HasSum(),
		Min: dp.Min(), HasMin: dp.HasMin(), Max: dp.Max(), HasMax: dp.HasMax(),
		Scale: dp.Scale(), ZeroCount: dp.ZeroCount(), ZeroThreshold: dp.ZeroThreshold(),
		Pos:    window.Buckets{Offset: dp.Positive().Offset(), Counts: dp.Positive().BucketCounts().AsRaw()},
		Neg:    window.Buckets{Offset: dp.Negative().Offset(), Counts: dp.Negative().BucketCounts().AsRaw()},
		Merged: true,
	}
	ts := int64(dp.Timestamp())
	var in *window.InputState
	if mc.cumulative {
		key := mc.fullKey.WithKey(p.all.Hash(dp.Attributes()))
		d, out := r.inputs.ExpHistogram(key, int64(dp.StartTimestamp()), ts, h, mc.now)
		in = r.inputs.Last
		if r.consumedByInputs(out) {
			return true
		}
		if out == window.Baseline {
			d = &window.ExpHistogram{Scale: h.Scale, ZeroThreshold: h.ZeroThreshold, HasSum: h.HasSum, Merged: true}
		}
		h = d
	}
	p.push(mc, ts, dp.Attributes(), in, window.Sample{Time: ts, Exp: h})
	return true
}

// consumedByInputs counts a cumulative point that ends in the input table:
// the table was full, or the point was older than or equal to the series'
// last one (it adds nothing). It reports whether the point ends there.
func (r *rule) consumedByInputs(out window.Outcome) bool {
	switch out {
	case window.Full:
		r.inputFull++
		return true
	case window.Stale:
		r.in++
		return true
	}
	return false
}

// push counts an accepted point and adds it to its window's series (a point
// whose window is gone is counted by place). It returns how many of the
// series' outputs rejected the sample (explicit histograms with other bounds).
func (p *aggregationProcessor) push(mc *metricCtx, ts int64, attrs pcommon.Map, in *window.InputState, sample window.Sample) (rejected int) {
	mc.r.in++
	w := mc.place(ts)
	if w == nil {
		return 0
	}
	s := p.seriesOf(mc, w, attrs, in)
	p.sample = sample
	rejected = s.Push(&p.sample)
	p.sample = window.Sample{}
	return rejected
}
