package aggregationprocessor

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"

	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/metadata"
)

// deltaSum builds one delta int sum metric "hits" with a point per value,
// stamped at ts, attribute k set to the given keys in turn.
func deltaSum(ts time.Time, keys []string, values ...int64) pmetric.Metrics {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("hits")
	s := m.SetEmptySum()
	s.SetIsMonotonic(true)
	s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	for i, v := range values {
		dp := s.DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		dp.SetIntValue(v)
		dp.Attributes().PutStr("k", keys[i%len(keys)])
	}
	return md
}

func sumRule(outputs ...string) RuleConfig {
	return RuleConfig{Metrics: []string{"hits"}, Interval: 10 * time.Second, GroupBy: []string{"k"}, Outputs: outputs, MaxSeries: 100, Temporality: TemporalityDelta}
}

// totalInt adds the int values of every number point named name.
func totalInt(mds []pmetric.Metrics, name string) (total int64, points int) {
	for _, md := range mds {
		for _, rm := range md.ResourceMetrics().All() {
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					if m.Name() != name {
						continue
					}
					dps := pmetric.NewNumberDataPointSlice()
					if m.Type() == pmetric.MetricTypeSum {
						dps = m.Sum().DataPoints()
					} else if m.Type() == pmetric.MetricTypeGauge {
						dps = m.Gauge().DataPoints()
					}
					for _, dp := range dps.All() {
						total += dp.IntValue()
						points++
					}
				}
			}
		}
	}
	return total, points
}

// TestShutdownFlushesOpenWindow: the window still open at shutdown reaches
// the next consumer (with the flush loop running).
func TestShutdownFlushesOpenWindow(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Rules = []RuleConfig{sumRule("sum")}
	c := &clock{t: base.Add(2 * time.Second)}
	p, sink := newTestProcessor(t, cfg, c)
	require.NoError(t, p.Start(t.Context(), componenttest.NewNopHost()))
	require.NoError(t, p.ConsumeMetrics(t.Context(), deltaSum(base.Add(time.Second), []string{"a", "b"}, 1, 2, 3, 4)))
	require.Empty(t, sink.AllMetrics(), "the window is not over yet")
	require.NoError(t, p.Shutdown(t.Context()))
	total, points := totalInt(sink.AllMetrics(), "hits")
	require.Equal(t, int64(10), total)
	require.Equal(t, 2, points)
}

// TestUnaggregatablePassThrough: a matched metric that no output applies
// to (a gauge for increase, a summary) passes on untouched, and so do
// unmatched metrics; NaN points are dropped and counted.
func TestUnaggregatablePassThrough(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Rules = []RuleConfig{{Metrics: []string{"*"}, Interval: 10 * time.Second, Outputs: []string{"increase"}, MaxSeries: 10, Temporality: TemporalityDelta}}
	c := &clock{t: base.Add(time.Second)}
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tt.NewTelemetrySettings()
	sink := &consumertest.MetricsSink{}
	p, err := newProcessor(set, cfg, sink, c.Now)
	require.NoError(t, err)

	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	g := ms.AppendEmpty()
	g.SetName("temp")
	g.SetEmptyGauge().DataPoints().AppendEmpty().SetDoubleValue(3)
	sm := ms.AppendEmpty()
	sm.SetName("rpc")
	sm.SetEmptySummary().DataPoints().AppendEmpty().SetCount(3)
	s := ms.AppendEmpty()
	s.SetName("hits")
	ss := s.SetEmptySum()
	ss.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	ss.DataPoints().AppendEmpty().SetDoubleValue(math.NaN())
	ss.DataPoints().AppendEmpty().SetDoubleValue(2.5)
	want := pmetric.NewMetrics()
	md.CopyTo(want)
	want.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().RemoveIf(func(m pmetric.Metric) bool { return m.Name() == "hits" })

	require.NoError(t, p.ConsumeMetrics(t.Context(), md))
	require.Len(t, sink.AllMetrics(), 1)
	require.Equal(t, want, sink.AllMetrics()[0])
	require.NoError(t, p.Shutdown(t.Context()))
	require.Len(t, sink.AllMetrics(), 2)
	out := sink.AllMetrics()[1]
	require.Equal(t, 1, out.DataPointCount())
	require.Equal(t, 2.5, out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0).DoubleValue())
	require.Equal(t, int64(1), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_dropped_points", attribute.String("reason", "invalid")))
	require.Equal(t, int64(1), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_input_points"))
}

// TestOwnTelemetry checks input, output, late, overflow, active series and
// flush duration against a scenario with known counts.
func TestOwnTelemetry(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	r := sumRule("sum", "count")
	r.Name = "hits"
	r.MaxSeries = 2
	cfg.Rules = []RuleConfig{r}
	c := &clock{t: base.Add(5 * time.Second)}
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tt.NewTelemetrySettings()
	sink := &consumertest.MetricsSink{}
	p, err := newProcessor(set, cfg, sink, c.Now)
	require.NoError(t, err)

	// window 0: a, b, then c and d overflow
	require.NoError(t, p.ConsumeMetrics(t.Context(), deltaSum(base.Add(time.Second), []string{"a", "b", "c", "d"}, 1, 1, 1, 1, 1, 1)))
	rule := attribute.String("rule", "hits")
	require.Equal(t, int64(6), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_input_points", rule))
	require.Equal(t, int64(2), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_overflow_series", rule))
	require.Equal(t, int64(2), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_active_series", rule))

	require.NoError(t, p.flush(t.Context(), base.Add(10*time.Second), false))
	require.Equal(t, int64(0), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_active_series", rule))
	// a, b, overflow x (sum, count)
	require.Equal(t, int64(6), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_output_points", rule))
	fd, err := tt.GetMetric("otelcol_processor_aggregation_flush_duration")
	require.NoError(t, err)
	require.Equal(t, uint64(1), fd.Data.(metricdata.Histogram[float64]).DataPoints[0].Count)

	// a late point (window 0 is flushed) goes to window 1 and is counted
	c.Set(base.Add(15 * time.Second))
	require.NoError(t, p.ConsumeMetrics(t.Context(), deltaSum(base.Add(3*time.Second), []string{"a"}, 5)))
	require.Equal(t, int64(1), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_late_points", rule, attribute.String("action", LateCurrentWindow)))
	require.NoError(t, p.Shutdown(t.Context()))
	total, _ := totalInt(sink.AllMetrics(), "hits.sum")
	require.Equal(t, int64(11), total)
}

// memStorage is an in-memory storage extension.
type memStorage struct {
	mu      sync.Mutex
	data    map[string][]byte
	failSet bool
}

func (*memStorage) Start(context.Context, component.Host) error { return nil }
func (*memStorage) Shutdown(context.Context) error              { return nil }
func (s *memStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return &memClient{s: s}, nil
}

type memClient struct{ s *memStorage }

func (c *memClient) Get(_ context.Context, k string) ([]byte, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.data[k], nil
}

func (c *memClient) Set(_ context.Context, k string, v []byte) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.s.failSet {
		return errors.New("disk full")
	}
	c.s.data[k] = append([]byte(nil), v...)
	return nil
}

func (c *memClient) Delete(_ context.Context, k string) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	delete(c.s.data, k)
	return nil
}

func (c *memClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value, _ = c.Get(ctx, op.Key)
		case storage.Set:
			_ = c.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			_ = c.Delete(ctx, op.Key)
		}
	}
	return nil
}

func (*memClient) Close(context.Context) error { return nil }

type storageHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.exts }

var _ extension.Extension = (*memStorage)(nil)

// TestCheckpointRestartWithinWindow: with a storage, shutdown checkpoints
// the open window instead of flushing it; the next process restores it, so
// the window emitted after the restart holds the points of both runs, and
// cumulative input state survives too (no new baseline after the restart).
func TestCheckpointRestartWithinWindow(t *testing.T) {
	id := component.MustNewIDWithName("file_storage", "agg")
	store := &memStorage{data: map[string][]byte{}}
	host := storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{id: store}}
	cfg := createDefaultConfig().(*Config)
	cfg.Storage = &id
	cfg.Rules = []RuleConfig{sumRule("sum", "count", "max")}
	cfg.Rules = append(cfg.Rules, RuleConfig{Name: "cum", Metrics: []string{"bytes"}, Interval: 10 * time.Second, Outputs: []string{"increase"}, MaxSeries: 10, Temporality: TemporalityDelta})
	require.NoError(t, cfg.Validate())
	cum := func(ts time.Time, v int64) pmetric.Metrics {
		md := pmetric.NewMetrics()
		m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("bytes")
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		dp := s.DataPoints().AppendEmpty()
		dp.SetStartTimestamp(pcommon.NewTimestampFromTime(base.Add(-time.Hour)))
		dp.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		dp.SetIntValue(v)
		return md
	}

	c := &clock{t: base.Add(2 * time.Second)}
	p1, sink1 := newTestProcessor(t, cfg, c)
	require.NoError(t, p1.Start(t.Context(), host))
	require.NoError(t, p1.ConsumeMetrics(t.Context(), deltaSum(base.Add(time.Second), []string{"a"}, 3, 4)))
	require.NoError(t, p1.ConsumeMetrics(t.Context(), cum(base.Add(time.Second), 1000)))
	require.NoError(t, p1.ConsumeMetrics(t.Context(), cum(base.Add(2*time.Second), 1010)))
	require.NoError(t, p1.Shutdown(t.Context()))
	require.Empty(t, sink1.AllMetrics(), "the open window is checkpointed, not flushed")
	require.NotEmpty(t, store.data[checkpointKey])

	c.Set(base.Add(6 * time.Second))
	p2, sink2 := newTestProcessor(t, cfg, c)
	require.NoError(t, p2.Start(t.Context(), host))
	require.NoError(t, p2.ConsumeMetrics(t.Context(), deltaSum(base.Add(5*time.Second), []string{"a"}, 10)))
	require.NoError(t, p2.ConsumeMetrics(t.Context(), cum(base.Add(6*time.Second), 1015)))
	require.NoError(t, p2.flush(t.Context(), base.Add(10*time.Second), false))
	got := sink2.AllMetrics()
	sum, points := totalInt(got, "hits.sum")
	require.Equal(t, int64(17), sum)
	require.Equal(t, 1, points, "one point for the whole window")
	count, _ := totalInt(got, "hits.count")
	require.Equal(t, int64(3), count)
	mx, _ := totalInt(got, "hits.max")
	require.Equal(t, int64(10), mx)
	inc, _ := totalInt(got, "bytes")
	require.Equal(t, int64(15), inc, "1010-1000 before the restart, 1015-1010 after")
	require.NoError(t, p2.Shutdown(t.Context()))
}

// TestCheckpointFlushOnShutdown: flush_on_shutdown hands the open window
// on at shutdown even with a storage, and the checkpoint keeps no window.
func TestCheckpointFlushOnShutdown(t *testing.T) {
	id := component.MustNewID("file_storage")
	store := &memStorage{data: map[string][]byte{}}
	host := storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{id: store}}
	cfg := createDefaultConfig().(*Config)
	cfg.Storage = &id
	cfg.FlushOnShutdown = true
	cfg.Rules = []RuleConfig{sumRule("sum")}
	c := &clock{t: base.Add(2 * time.Second)}
	p1, sink1 := newTestProcessor(t, cfg, c)
	require.NoError(t, p1.Start(t.Context(), host))
	require.NoError(t, p1.ConsumeMetrics(t.Context(), deltaSum(base.Add(time.Second), []string{"a"}, 3)))
	require.NoError(t, p1.Shutdown(t.Context()))
	total, _ := totalInt(sink1.AllMetrics(), "hits")
	require.Equal(t, int64(3), total)

	p2, sink2 := newTestProcessor(t, cfg, c)
	require.NoError(t, p2.Start(t.Context(), host))
	require.NoError(t, p2.Shutdown(t.Context()))
	require.Empty(t, sink2.AllMetrics(), "nothing is emitted twice")
}

// TestCheckpointCorruptStartsEmpty: an unreadable checkpoint is logged and
// ignored rather than failing the start.
func TestCheckpointCorruptStartsEmpty(t *testing.T) {
	id := component.MustNewID("file_storage")
	store := &memStorage{data: map[string][]byte{checkpointKey: []byte("not gob")}}
	host := storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{id: store}}
	cfg := createDefaultConfig().(*Config)
	cfg.Storage = &id
	cfg.Rules = []RuleConfig{sumRule("sum")}
	p, _ := newTestProcessor(t, cfg, &clock{t: base})
	require.NoError(t, p.Start(t.Context(), host))
	require.NoError(t, p.Shutdown(t.Context()))
	// a missing storage extension is a start error naming it
	p, _ = newTestProcessor(t, cfg, &clock{t: base})
	require.ErrorContains(t, p.Start(t.Context(), componenttest.NewNopHost()), `extension "file_storage" not found`)
}

func TestFactoryCreatesProcessor(t *testing.T) {
	f := NewFactory()
	require.Equal(t, metadata.Type, f.Type())
	cfg := loadConfig(t, filepath.Join("testdata", "golden", "overflow", "config.yaml"))
	p, err := f.CreateMetrics(t.Context(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.True(t, p.Capabilities().MutatesData)
	in, err := golden.ReadMetrics(filepath.Join("testdata", "golden", "overflow", "input.yaml"))
	require.NoError(t, err)
	require.NoError(t, p.Start(t.Context(), componenttest.NewNopHost()))
	require.NoError(t, p.ConsumeMetrics(t.Context(), in))
	require.NoError(t, p.Shutdown(t.Context()))
}

// TestDroppedPointsCounted: every point not aggregated is counted under its
// reason and never panics the processor: a late point under late_points:
// drop, an exponential histogram whose buckets lie outside the float64
// range, an explicit-bucket histogram whose counts do not match its bounds,
// and a histogram with other bounds than its series' first point.
func TestDroppedPointsCounted(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.LatePoints = LateDrop
	cfg.Rules = []RuleConfig{
		sumRule("sum"),
		{Name: "lat", Metrics: []string{"lat*"}, Interval: 10 * time.Second, Outputs: []string{"histogram", "count"}, MaxSeries: 10, Temporality: TemporalityDelta},
	}
	cfg.Rules[0].Name = "hits"
	c := &clock{t: base.Add(15 * time.Second)}
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tt.NewTelemetrySettings()
	sink := &consumertest.MetricsSink{}
	p, err := newProcessor(set, cfg, sink, c.Now)
	require.NoError(t, err)

	// window 0 ended before the processor started: its points are late
	require.NoError(t, p.ConsumeMetrics(t.Context(), deltaSum(base.Add(time.Second), []string{"a"}, 7)))
	require.NoError(t, p.ConsumeMetrics(t.Context(), deltaSum(base.Add(11*time.Second), []string{"a"}, 5)))

	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	ts := pcommon.NewTimestampFromTime(base.Add(12 * time.Second))
	e := ms.AppendEmpty()
	e.SetName("lat.exp")
	eh := e.SetEmptyExponentialHistogram()
	eh.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	bad := eh.DataPoints().AppendEmpty()
	bad.SetTimestamp(ts)
	bad.SetScale(20)
	bad.Positive().SetOffset(math.MaxInt32 - 2)
	bad.Positive().BucketCounts().FromRaw([]uint64{1, 1, 1, 1, 1})
	bad.SetCount(5)
	good := eh.DataPoints().AppendEmpty()
	good.SetTimestamp(ts)
	good.SetScale(0)
	good.Positive().BucketCounts().FromRaw([]uint64{2})
	good.SetCount(2)
	h := ms.AppendEmpty()
	h.SetName("lat.hist")
	hh := h.SetEmptyHistogram()
	hh.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	for _, b := range []struct {
		bounds []float64
		counts []uint64
	}{
		{[]float64{1}, []uint64{1, 2}},
		{[]float64{1, 2}, []uint64{1, 1}}, // counts do not match bounds: invalid
		{[]float64{5}, []uint64{4, 4}},    // other bounds: rejected by histogram, counted by count
		{[]float64{1}, []uint64{0, 3}},
	} {
		dp := hh.DataPoints().AppendEmpty()
		dp.SetTimestamp(ts)
		dp.ExplicitBounds().FromRaw(b.bounds)
		dp.BucketCounts().FromRaw(b.counts)
		var n uint64
		for _, c := range b.counts {
			n += c
		}
		dp.SetCount(n)
	}
	require.NotPanics(t, func() { require.NoError(t, p.ConsumeMetrics(t.Context(), md)) })
	require.NoError(t, p.Shutdown(t.Context()))

	hits := attribute.String("rule", "hits")
	lat := attribute.String("rule", "lat")
	require.Equal(t, int64(1), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_late_points", hits, attribute.String("action", LateDrop)))
	require.Equal(t, int64(1), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_dropped_points", hits, attribute.String("reason", "late")))
	require.Equal(t, int64(2), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_dropped_points", lat, attribute.String("reason", "invalid")))
	require.Equal(t, int64(1), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_dropped_points", lat, attribute.String("reason", "histogram_bounds")))
	require.Equal(t, int64(1+3), testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_input_points", lat))

	total, _ := totalInt(sink.AllMetrics(), "hits")
	require.Equal(t, int64(5), total, "the late point is dropped, the on-time one kept")
	var histCount, expCount uint64
	var counts int64
	for _, md := range sink.AllMetrics() {
		for _, rm := range md.ResourceMetrics().All() {
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					switch m.Name() {
					case "lat.hist.histogram":
						histCount += m.Histogram().DataPoints().At(0).Count()
						require.Equal(t, []uint64{1, 5}, m.Histogram().DataPoints().At(0).BucketCounts().AsRaw())
					case "lat.exp.histogram":
						expCount += m.ExponentialHistogram().DataPoints().At(0).Count()
					case "lat.hist.count", "lat.exp.count":
						counts += m.Sum().DataPoints().At(0).IntValue()
					}
				}
			}
		}
	}
	require.Equal(t, uint64(6), histCount)
	require.Equal(t, uint64(2), expCount)
	require.Equal(t, int64(3+1), counts)
}

// TestCheckpointFailureFlushes: when the checkpoint cannot be written at
// shutdown the open window is handed on instead of being lost, and the
// older checkpoint is removed so a restart does not emit it twice.
func TestCheckpointFailureFlushes(t *testing.T) {
	id := component.MustNewID("file_storage")
	store := &memStorage{data: map[string][]byte{}}
	host := storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{id: store}}
	cfg := createDefaultConfig().(*Config)
	cfg.Storage = &id
	cfg.Rules = []RuleConfig{sumRule("sum")}
	c := &clock{t: base.Add(time.Second)}
	p, sink := newTestProcessor(t, cfg, c)
	require.NoError(t, p.Start(t.Context(), host))
	require.NoError(t, p.ConsumeMetrics(t.Context(), deltaSum(base.Add(time.Second), []string{"a"}, 4, 5)))
	require.NoError(t, p.checkpoint(t.Context()))
	require.NotEmpty(t, store.data[checkpointKey])
	store.mu.Lock()
	store.failSet = true
	store.mu.Unlock()
	require.NoError(t, p.Shutdown(t.Context()))
	total, _ := totalInt(sink.AllMetrics(), "hits")
	require.Equal(t, int64(9), total)
	require.Empty(t, store.data[checkpointKey])
}

// TestFlushDelaySchedule: with flush_delay the flush loop closes a window
// flush_delay after its end, and a point stamped in it that arrives within
// the delay still goes to it rather than counting as late.
func TestFlushDelaySchedule(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.FlushDelay = 2 * time.Second
	cfg.Rules = []RuleConfig{sumRule("sum")}
	require.NoError(t, cfg.Validate())
	c := &clock{t: base.Add(5 * time.Second)}
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tt.NewTelemetrySettings()
	sink := &consumertest.MetricsSink{}
	p, err := newProcessor(set, cfg, sink, c.Now)
	require.NoError(t, err)

	require.Equal(t, base.Add(12*time.Second), p.nextFlush(base.Add(5*time.Second)))
	require.Equal(t, base.Add(12*time.Second), p.nextFlush(base.Add(11*time.Second)))
	require.Equal(t, base.Add(22*time.Second), p.nextFlush(base.Add(12*time.Second)))

	require.NoError(t, p.ConsumeMetrics(t.Context(), deltaSum(base.Add(9*time.Second), []string{"a"}, 1)))
	// 1s after window 0 ended: not flushed yet, a point stamped in it joins it
	c.Set(base.Add(11 * time.Second))
	require.NoError(t, p.flush(t.Context(), p.cutoff(c.Now()), false))
	require.Empty(t, sink.AllMetrics())
	require.NoError(t, p.ConsumeMetrics(t.Context(), deltaSum(base.Add(9500*time.Millisecond), []string{"a"}, 2)))
	c.Set(base.Add(12 * time.Second))
	require.NoError(t, p.flush(t.Context(), p.cutoff(c.Now()), false))
	require.Len(t, sink.AllMetrics(), 1)
	total, points := totalInt(sink.AllMetrics(), "hits")
	require.Equal(t, int64(3), total)
	require.Equal(t, 1, points)
	require.Equal(t, pcommon.Timestamp(base.Add(10*time.Second).UnixNano()),
		sink.AllMetrics()[0].ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0).Timestamp())
	require.Zero(t, testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_late_points"))
	require.NoError(t, p.Shutdown(t.Context()))
}
