package aggregationprocessor

import (
	"context"
	"errors"
	"math"
	"regexp"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/metadata"
	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/window"
)

// nameCacheSize bounds the memo of metric name to rule.
const nameCacheSize = 16_384

// inputIdleIntervals is how many rule intervals a cumulative input series
// is remembered without new points.
const inputIdleIntervals = 10

type rule struct {
	name    string
	cfg     RuleConfig
	match   *regexp.Regexp
	reducer window.Reducer
	agg     *window.Aggregator
	inputs  *window.Inputs
	namer   window.Namer
	attrs   metric.MeasurementOption
	// sumDeltas: some output (sum, increase, rate) needs the increases of
	// cumulative number input; without one, no input state is kept for it.
	sumDeltas bool

	// per-batch counters, recorded after the lock is released
	in, lateMoved, lateDropped, invalid, inputFull, overflowed, boundsRejected int64
	// per resource memo
	resKey  window.Key
	fullKey window.Key
	resDone bool
	fullOK  bool
}

type aggregationProcessor struct {
	logger *zap.Logger
	id     component.ID
	cfg    *Config
	next   consumer.Metrics
	now    func() time.Time
	tel    *metadata.TelemetryBuilder

	mu        sync.Mutex
	rules     []*rule
	nameCache map[string]int
	sample    window.Sample
	scratch   []byte
	all       window.Reducer

	client  storage.Client
	done    chan struct{}
	wg      sync.WaitGroup
	started bool
}

func newProcessor(set processor.Settings, cfg *Config, next consumer.Metrics, now func() time.Time) (*aggregationProcessor, error) {
	tel, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	p := &aggregationProcessor{
		logger:    set.Logger,
		id:        set.ID,
		cfg:       cfg,
		next:      next,
		now:       now,
		tel:       tel,
		nameCache: map[string]int{},
		done:      make(chan struct{}),
	}
	start := now().UnixNano()
	for i, rc := range cfg.Rules {
		outs := make([]window.Output, 0, len(rc.Outputs))
		for _, name := range rc.Outputs {
			o, err := window.Lookup(name)
			if err != nil {
				return nil, err
			}
			outs = append(outs, o)
		}
		r := &rule{
			name:    ruleName(i, rc),
			cfg:     rc,
			match:   globs(rc.Metrics),
			reducer: window.NewReducer(rc.GroupBy, rc.Without),
			agg: window.New(window.Config{
				Interval:   rc.Interval.Nanoseconds(),
				Outputs:    outs,
				MaxSeries:  rc.MaxSeries,
				DropLate:   cfg.LatePoints == LateDrop,
				Cumulative: rc.Temporality == TemporalityCumulative,
			}),
			inputs: window.NewInputs(start, cfg.MaxInputSeries),
			namer:  rc.namer(),
		}
		for _, o := range rc.Outputs {
			r.sumDeltas = r.sumDeltas || o == "sum" || o == "increase" || o == "rate"
		}
		r.attrs = metric.WithAttributeSet(attribute.NewSet(attribute.String("rule", r.name)))
		r.agg.Start(start)
		p.rules = append(p.rules, r)
	}
	err = tel.RegisterProcessorAggregationActiveSeriesCallback(func(_ context.Context, o metric.Int64Observer) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, r := range p.rules {
			o.Observe(int64(r.agg.Active()), r.attrs.(metric.ObserveOption))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (*aggregationProcessor) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

// Start restores the checkpoint (when a storage is configured) and starts
// the flush loop.
func (p *aggregationProcessor) Start(ctx context.Context, host component.Host) error {
	if p.cfg.Storage != nil {
		client, err := storageClient(ctx, host, *p.cfg.Storage, p.id)
		if err != nil {
			return err
		}
		p.client = client
		if err := p.restore(ctx); err != nil {
			p.logger.Warn("aggregation checkpoint not restored; starting empty", zap.Error(err))
		}
	}
	p.started = true
	p.wg.Add(1)
	go p.run()
	return nil
}

// Shutdown stops the flush loop and hands every open window to the next
// consumer; with a storage (and flush_on_shutdown unset) the windows still
// open are checkpointed instead, to be completed after the restart.
func (p *aggregationProcessor) Shutdown(ctx context.Context) error {
	if p.started {
		close(p.done)
		p.wg.Wait()
		p.started = false
	}
	var errs error
	if p.client == nil || p.cfg.FlushOnShutdown {
		errs = p.flush(ctx, p.now(), true)
	} else {
		errs = p.flush(ctx, p.now(), false)
	}
	if p.client != nil {
		if err := p.checkpoint(ctx); err != nil {
			// the open windows cannot wait for the restart: hand them on now
			p.logger.Warn("aggregation checkpoint failed at shutdown; flushing the open windows instead", zap.Error(err))
			errs = errors.Join(errs, p.flush(ctx, p.now(), true))
			// an older checkpoint would bring the flushed windows back
			errs = errors.Join(errs, p.client.Delete(ctx, checkpointKey))
		}
		errs = errors.Join(errs, p.client.Close(ctx))
		p.client = nil
	}
	p.tel.Shutdown()
	return errs
}

func (p *aggregationProcessor) run() {
	defer p.wg.Done()
	var ckpt <-chan time.Time
	if p.client != nil {
		t := time.NewTicker(p.cfg.CheckpointInterval)
		defer t.Stop()
		ckpt = t.C
	}
	// Windows restored from a checkpoint may have ended already.
	_ = p.flush(context.Background(), p.cutoff(p.now()), false)
	for {
		now := p.now()
		timer := time.NewTimer(p.nextFlush(now).Sub(now))
		select {
		case <-p.done:
			timer.Stop()
			return
		case <-ckpt:
			timer.Stop()
			if err := p.checkpoint(context.Background()); err != nil {
				p.logger.Warn("aggregation checkpoint failed", zap.Error(err))
			}
		case <-timer.C:
			_ = p.flush(context.Background(), p.cutoff(p.now()), false)
		}
	}
}

// cutoff is the time up to which windows are closed at now: flush_delay
// earlier, so points that arrive up to flush_delay after their window ended
// still go to it.
func (p *aggregationProcessor) cutoff(now time.Time) time.Time {
	return now.Add(-p.cfg.FlushDelay)
}

// nextFlush is when the next window of any rule is due to close after now:
// its end plus flush_delay.
func (p *aggregationProcessor) nextFlush(now time.Time) time.Time {
	return p.nextBoundary(p.cutoff(now)).Add(p.cfg.FlushDelay)
}

// nextBoundary is the next end of a window of any rule after now.
func (p *aggregationProcessor) nextBoundary(now time.Time) time.Time {
	n := now.UnixNano()
	next := int64(math.MaxInt64)
	for _, r := range p.rules {
		iv := r.cfg.Interval.Nanoseconds()
		next = min(next, (n/iv+1)*iv)
	}
	return time.Unix(0, next)
}

// flush emits the windows that ended by now (every window when all is set)
// to the next consumer.
func (p *aggregationProcessor) flush(ctx context.Context, now time.Time, all bool) error {
	began := time.Now()
	md := pmetric.NewMetrics()
	outs := make([]int64, len(p.rules))
	p.mu.Lock()
	n := now.UnixNano()
	flushed := false
	for i, r := range p.rules {
		var ws []*window.Window
		if all {
			ws = r.agg.FlushAll()
		} else {
			ws = r.agg.Flush(n)
		}
		for _, w := range ws {
			outs[i] += int64(r.agg.Emit(w, md, r.namer))
		}
		flushed = flushed || len(ws) > 0
		r.inputs.Expire(n - inputIdleIntervals*r.cfg.Interval.Nanoseconds())
	}
	p.mu.Unlock()
	removeEmptyMetrics(md)
	ctx = context.WithoutCancel(ctx)
	for i, r := range p.rules {
		if outs[i] > 0 {
			p.tel.ProcessorAggregationOutputPoints.Add(ctx, outs[i], r.attrs.(metric.AddOption))
		}
	}
	if !flushed {
		return nil
	}
	p.tel.ProcessorAggregationFlushDuration.Record(ctx, time.Since(began).Seconds())
	var err error
	if md.DataPointCount() > 0 {
		if err = p.next.ConsumeMetrics(ctx, md); err != nil {
			p.logger.Error("aggregation: next consumer refused the flushed windows", zap.Int("data_points", md.DataPointCount()), zap.Error(err))
		}
	}
	if p.client != nil && !all {
		if cerr := p.checkpoint(ctx); cerr != nil {
			p.logger.Warn("aggregation checkpoint failed", zap.Error(cerr))
		}
	}
	return err
}

func removeEmptyMetrics(md pmetric.Metrics) {
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool { return pointCount(m) == 0 })
			return sm.Metrics().Len() == 0
		})
		return rm.ScopeMetrics().Len() == 0
	})
}

func pointCount(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}

// ConsumeMetrics takes the points of matched metrics into the open
// windows and passes everything else on.
func (p *aggregationProcessor) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	now := p.now().UnixNano()
	p.mu.Lock()
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		for _, r := range p.rules {
			r.resDone, r.fullOK = false, false
		}
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool {
				r := p.ruleFor(m.Name())
				if r == nil {
					return false
				}
				return p.consumeMetric(r, rm, sm, m, now)
			})
			return sm.Metrics().Len() == 0
		})
		return rm.ScopeMetrics().Len() == 0
	})
	p.mu.Unlock()
	p.recordBatch(ctx)
	if md.ResourceMetrics().Len() == 0 {
		return nil
	}
	return p.next.ConsumeMetrics(ctx, md)
}

func (p *aggregationProcessor) recordBatch(ctx context.Context) {
	for _, r := range p.rules {
		p.mu.Lock()
		in, moved, dropped, invalid, full, over, bounds := r.in, r.lateMoved, r.lateDropped, r.invalid, r.inputFull, r.overflowed, r.boundsRejected
		r.in, r.lateMoved, r.lateDropped, r.invalid, r.inputFull, r.overflowed, r.boundsRejected = 0, 0, 0, 0, 0, 0, 0
		p.mu.Unlock()
		add := func(c metric.Int64Counter, v int64, extra ...attribute.KeyValue) {
			if v == 0 {
				return
			}
			if len(extra) == 0 {
				c.Add(ctx, v, r.attrs.(metric.AddOption))
				return
			}
			c.Add(ctx, v, metric.WithAttributes(append([]attribute.KeyValue{attribute.String("rule", r.name)}, extra...)...))
		}
		add(p.tel.ProcessorAggregationInputPoints, in)
		add(p.tel.ProcessorAggregationLatePoints, moved, attribute.String("action", LateCurrentWindow))
		add(p.tel.ProcessorAggregationLatePoints, dropped, attribute.String("action", LateDrop))
		add(p.tel.ProcessorAggregationDroppedPoints, dropped, attribute.String("reason", "late"))
		add(p.tel.ProcessorAggregationDroppedPoints, invalid, attribute.String("reason", "invalid"))
		add(p.tel.ProcessorAggregationDroppedPoints, full, attribute.String("reason", "input_series_limit"))
		add(p.tel.ProcessorAggregationDroppedPoints, bounds, attribute.String("reason", "histogram_bounds"))
		add(p.tel.ProcessorAggregationOverflowSeries, over)
	}
}

func (p *aggregationProcessor) ruleFor(name string) *rule {
	if i, ok := p.nameCache[name]; ok {
		if i < 0 {
			return nil
		}
		return p.rules[i]
	}
	idx := -1
	for i, r := range p.rules {
		if r.match.MatchString(name) {
			idx = i
			break
		}
	}
	if len(p.nameCache) >= nameCacheSize {
		clear(p.nameCache)
	}
	p.nameCache[name] = idx
	if idx < 0 {
		return nil
	}
	return p.rules[idx]
}

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
	mc := metricCtx{r: r, rm: rm, sm: sm, m: m, in: in, now: now}
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
			taken := p.takeNumber(&mc, dp)
			return taken && !keep
		})
		remaining = dps.Len()
	case pmetric.MetricTypeHistogram:
		dps := m.Histogram().DataPoints()
		dps.RemoveIf(func(dp pmetric.HistogramDataPoint) bool {
			taken := p.takeHistogram(&mc, dp)
			return taken && !keep
		})
		remaining = dps.Len()
	case pmetric.MetricTypeExponentialHistogram:
		dps := m.ExponentialHistogram().DataPoints()
		dps.RemoveIf(func(dp pmetric.ExponentialHistogramDataPoint) bool {
			taken := p.takeExpHistogram(&mc, dp)
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
	g := w.Group(mc.gk)
	if g == nil && r.agg.Full() {
		g = p.overflowGroup(mc, w)
	}
	if g == nil {
		g = p.newGroup(mc)
		r.agg.AddGroup(w, g)
	}
	var enc window.Attrs
	enc, p.scratch = window.EncodeAttrs(&r.reducer, attrs, p.scratch)
	s, _, newly := r.agg.AddSeries(w, g, sk, enc)
	if newly {
		r.overflowed++
	}
	return s
}

// overflowGroup returns the group of window w that holds the overflow
// series of mc's metric for resources and scopes new to the window once the
// rule is full: its resource and scope are empty.
func (p *aggregationProcessor) overflowGroup(mc *metricCtx, w *window.Window) *window.Group {
	gk := window.OverflowGroupKey(mc.m.Name(), mc.in)
	if g := w.Group(gk); g != nil {
		return g
	}
	g := &window.Group{
		Key:         gk,
		ResKey:      gk,
		Resource:    emptyAttrs,
		Name:        mc.m.Name(),
		Description: mc.m.Description(),
		Unit:        mc.m.Unit(),
		Input:       mc.in,
	}
	mc.r.agg.AddGroup(w, g)
	return g
}

var emptyAttrs = window.AttrsOf(pcommon.NewMap())

func (p *aggregationProcessor) newGroup(mc *metricCtx) *window.Group {
	var res window.Attrs
	res, p.scratch = window.EncodeAttrs(&mc.r.reducer, mc.rm.Resource().Attributes(), p.scratch)
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
		Name:        mc.m.Name(),
		Description: mc.m.Description(),
		Unit:        mc.m.Unit(),
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
