package attributefilterprocessor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"

	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/metadata"
)

func settingsWith(tel *componenttest.Telemetry) processor.Settings {
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	return set
}

func telemetryConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Drop.DropIfAny = []RuleConfig{{Name: "health", Matchers: []MatcherConfig{{Field: `attributes["http.route"]`, Exact: "/healthz"}}}}
	cfg.Drop.KeepOnly = []RuleConfig{{Matchers: []MatcherConfig{{Field: `resource.attributes["deployment.environment"]`, Exact: "production"}}}}
	cfg.Keys.Record.Deny = []string{"password"}
	cfg.Limits.MaxStringLength = 12
	cfg.Limits.MaxArrayLength = 1
	// The overflow value must itself fit max_string_length (Validate enforces it).
	cfg.Cardinality.OverflowValue = "overflow"
	cfg.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "req*", Keys: []string{"user"}, MaxValues: 1}}
	return cfg
}

// TestOwnMetrics checks every own metric counts exactly what the processor did.
func TestOwnMetrics(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	f, err := newFilter(settingsWith(tel), telemetryConfig(), fixedClock())
	require.NoError(t, err)
	ctx := context.Background()

	td := ptrace.NewTraces()
	for _, env := range []string{"production", "staging"} {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("deployment.environment", env)
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		for _, route := range []string{"/healthz", "/orders", "/orders"} {
			s := spans.AppendEmpty()
			s.Attributes().PutStr("http.route", route)
			s.Attributes().PutStr("password", "x")
			s.Attributes().PutStr("long", "0123456789abcdef")
			require.NoError(t, s.Attributes().PutEmptySlice("list").FromRaw([]any{1, 2, 3}))
		}
	}
	out, err := f.processTraces(ctx, td)
	require.NoError(t, err)
	require.Equal(t, 2, out.SpanCount())

	md := pmetric.NewMetrics()
	dps := md.ResourceMetrics().AppendEmpty()
	dps.Resource().Attributes().PutStr("deployment.environment", "production")
	g := dps.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	g.SetName("requests")
	gauge := g.SetEmptyGauge()
	for i := range 4 {
		dp := gauge.DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.Timestamp(i))
		dp.Attributes().PutStr("user", fmt.Sprintf("u%d", i))
	}
	_, err = f.processMetrics(ctx, md)
	require.NoError(t, err)

	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("no environment")
	_, err = f.processLogs(ctx, ld)
	require.ErrorIs(t, err, errSkip())

	dropped := "otelcol_processor_attribute_filter_records_dropped"
	// drop_if_any is tested first: the staging health check counts for "health".
	assert.EqualValues(t, 2, testutil.IntSum(t, tel.Reader, dropped, attribute.String("signal", "spans"), attribute.String("rule", "health")))
	assert.EqualValues(t, 2, testutil.IntSum(t, tel.Reader, dropped, attribute.String("signal", "spans"), attribute.String("rule", "keep_only")))
	assert.EqualValues(t, 1, testutil.IntSum(t, tel.Reader, dropped, attribute.String("signal", "logs"), attribute.String("rule", "keep_only")))
	assert.EqualValues(t, 2, testutil.IntSum(t, tel.Reader, "otelcol_processor_attribute_filter_attributes_removed", attribute.String("level", "record"), attribute.String("reason", "key_list")))
	assert.EqualValues(t, 2, testutil.IntSum(t, tel.Reader, "otelcol_processor_attribute_filter_values_truncated", attribute.String("kind", "string")))
	assert.EqualValues(t, 2, testutil.IntSum(t, tel.Reader, "otelcol_processor_attribute_filter_values_truncated", attribute.String("kind", "array")))
	assert.EqualValues(t, 3, testutil.IntSum(t, tel.Reader, "otelcol_processor_attribute_filter_cardinality_overflows", attribute.String("metric", "requests")))
	// u1, u2, u3 all became "overflow" at distinct timestamps: the gauge keeps the latest.
	assert.EqualValues(t, 2, testutil.IntSum(t, tel.Reader, "otelcol_processor_attribute_filter_points_merged"))
	assert.EqualValues(t, 0, testutil.IntSum(t, tel.Reader, "otelcol_processor_attribute_filter_points_dropped_on_collision"))
}

// TestCardinalityCapsTenThousandValues: 10,000 distinct values over many
// batches reach the next consumer as at most max_values + 1 series, and a new
// window admits new values again.
func TestCardinalityCapsTenThousandValues(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Cardinality.Window = time.Minute
	cfg.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", Keys: []string{"user.id"}, MaxValues: 100}}
	now := time.Unix(0, 0)
	f, err := newFilter(processortest.NewNopSettings(metadata.Type), cfg, func() time.Time { return now })
	require.NoError(t, err)

	var total int64
	seen := map[string]bool{}
	send := func(from, to int) {
		md := pmetric.NewMetrics()
		m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("requests")
		sum := m.SetEmptySum()
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		for i := from; i < to; i++ {
			dp := sum.DataPoints().AppendEmpty()
			dp.SetIntValue(1)
			dp.SetTimestamp(10)
			dp.Attributes().PutStr("user.id", fmt.Sprintf("user-%05d", i))
		}
		out, err := f.processMetrics(context.Background(), md)
		require.NoError(t, err)
		dps := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			v, _ := dps.At(i).Attributes().Get("user.id")
			seen[v.Str()] = true
			total += dps.At(i).IntValue()
		}
	}
	for b := 0; b < 100; b++ {
		send(b*100+37, (b+1)*100+37) // batches that straddle the budget
	}
	assert.Len(t, seen, 101, "100 admitted values plus the overflow value")
	assert.True(t, seen["otelgate.overflow"])
	assert.EqualValues(t, 10000, total, "delta sums merged exactly: nothing lost")

	now = now.Add(time.Minute)
	seen = map[string]bool{}
	send(20000, 20005)
	assert.Len(t, seen, 5, "a new window admits new values")
	assert.False(t, seen["otelgate.overflow"])
}

// TestFactoryPipeline runs the three signals through the factory-built processors.
func TestFactoryPipeline(t *testing.T) {
	factory := NewFactory()
	assert.Equal(t, metadata.Type, factory.Type())
	cfg := factory.CreateDefaultConfig().(*Config)
	cfg.Drop.DropIfAny = []RuleConfig{{Matchers: []MatcherConfig{{Field: "span.name", Glob: ptr("health*")}}}}
	cfg.Keys.Record.Deny = []string{"secret"}
	ctx := context.Background()
	set := processortest.NewNopSettings(metadata.Type)

	sink := new(consumertest.TracesSink)
	tp, err := factory.CreateTraces(ctx, set, cfg, sink)
	require.NoError(t, err)
	assert.True(t, tp.Capabilities().MutatesData)
	require.NoError(t, tp.Start(ctx, componenttest.NewNopHost()))
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	spans.AppendEmpty().SetName("healthz")
	kept := spans.AppendEmpty()
	kept.SetName("work")
	kept.Attributes().PutStr("secret", "s")
	kept.Attributes().PutStr("ok", "v")
	require.NoError(t, tp.ConsumeTraces(ctx, td))
	all := ptrace.NewTraces()
	all.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("health")
	require.NoError(t, tp.ConsumeTraces(ctx, all), "an all-dropped batch is not an error")
	require.NoError(t, tp.Shutdown(ctx))
	require.Len(t, sink.AllTraces(), 1, "the all-dropped batch never reaches the next consumer")
	got := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	require.Equal(t, 1, got.Len())
	assert.Equal(t, map[string]any{"ok": "v"}, got.At(0).Attributes().AsRaw())

	ms := new(consumertest.MetricsSink)
	mp, err := factory.CreateMetrics(ctx, set, cfg, ms)
	require.NoError(t, err)
	require.NoError(t, mp.Start(ctx, componenttest.NewNopHost()))
	md := pmetric.NewMetrics()
	dp := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty()
	dp.Attributes().PutStr("secret", "s")
	require.NoError(t, mp.ConsumeMetrics(ctx, md))
	require.NoError(t, mp.Shutdown(ctx))
	require.Equal(t, 1, ms.DataPointCount())
	assert.Equal(t, 0, ms.AllMetrics()[0].ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints().At(0).Attributes().Len())

	ls := new(consumertest.LogsSink)
	lp, err := factory.CreateLogs(ctx, set, cfg, ls)
	require.NoError(t, err)
	require.NoError(t, lp.Start(ctx, componenttest.NewNopHost()))
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes().PutStr("secret", "s")
	require.NoError(t, lp.ConsumeLogs(ctx, ld))
	require.NoError(t, lp.Shutdown(ctx))
	require.Equal(t, 1, ls.LogRecordCount())
	assert.Equal(t, 0, ls.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Len())

	bad := factory.CreateDefaultConfig().(*Config)
	bad.Keys.Record.DenyRegex = []string{"("}
	_, err = factory.CreateTraces(ctx, set, bad, sink)
	require.Error(t, err, "a bad config never builds a processor")
}

// TestEmptyInputPassesThrough: containers that were empty on input are not invented or dropped by the filter.
func TestEmptyInputPassesThrough(t *testing.T) {
	f, err := newFilter(processortest.NewNopSettings(metadata.Type), telemetryConfig(), fixedClock())
	require.NoError(t, err)
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("deployment.environment", "production")
	rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetName("no-points")
	out, err := f.processMetrics(context.Background(), md)
	require.NoError(t, err)
	require.Equal(t, 1, out.MetricCount())
}

func errSkip() error { return processorhelperErrSkip }

// TestCardinalityBeyondTrackedMetrics: a metric beyond max_tracked_metrics
// has no budget (its limited values all overflow), and its overflows are
// counted under one label, so the processor's own telemetry stays bounded too.
func TestCardinalityBeyondTrackedMetrics(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	cfg := createDefaultConfig().(*Config)
	cfg.Cardinality.MaxTrackedMetrics = 1
	cfg.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", Keys: []string{"user"}, MaxValues: 5}}
	f, err := newFilter(settingsWith(tel), cfg, fixedClock())
	require.NoError(t, err)

	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	for _, name := range []string{"tracked", "extra.a", "extra.b"} {
		m := ms.AppendEmpty()
		m.SetName(name)
		g := m.SetEmptyGauge()
		for i := range 2 {
			dp := g.DataPoints().AppendEmpty()
			dp.SetTimestamp(pcommon.Timestamp(i))
			dp.Attributes().PutStr("user", fmt.Sprintf("u%d", i))
		}
	}
	out, err := f.processMetrics(context.Background(), md)
	require.NoError(t, err)
	got := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	require.Equal(t, 3, got.Len())
	assert.Equal(t, 2, got.At(0).Gauge().DataPoints().Len(), "the tracked metric keeps both users")
	for _, i := range []int{1, 2} {
		dps := got.At(i).Gauge().DataPoints()
		require.Equal(t, 1, dps.Len(), "%s: both users became the overflow series, the gauge keeps the latest", got.At(i).Name())
		v, _ := dps.At(0).Attributes().Get("user")
		assert.Equal(t, "otelgate.overflow", v.Str())
		assert.EqualValues(t, 1, dps.At(0).Timestamp())
	}
	overflows := "otelcol_processor_attribute_filter_cardinality_overflows"
	assert.EqualValues(t, 4, testutil.IntSum(t, tel.Reader, overflows, attribute.String("metric", untrackedMetric)))
	assert.EqualValues(t, 0, testutil.IntSum(t, tel.Reader, overflows, attribute.String("metric", "extra.a")))
}

// TestKeyListWithMaxAttributes: the key list removes first, then
// max_attributes keeps the first of what is left, for each shape of list.
func TestKeyListWithMaxAttributes(t *testing.T) {
	for name, keys := range map[string]KeyListConfig{
		"few exact deny": {Deny: []string{"password"}},
		"glob deny":      {Deny: []string{"pass*"}},
		"allow":          {Allow: []string{"a", "b", "c"}},
	} {
		t.Run(name, func(t *testing.T) {
			for _, maxAttrs := range []int{0, 2} {
				cfg := createDefaultConfig().(*Config)
				cfg.Keys.Record = keys
				cfg.Limits.MaxAttributes = maxAttrs
				f, err := newFilter(processortest.NewNopSettings(metadata.Type), cfg, fixedClock())
				require.NoError(t, err)
				ld := plog.NewLogs()
				attrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes()
				attrs.PutStr("a", "1")
				attrs.PutStr("password", "x")
				attrs.PutStr("b", "2")
				attrs.PutStr("c", "3")
				out, err := f.processLogs(context.Background(), ld)
				require.NoError(t, err)
				got := out.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().AsRaw()
				assert.NotContains(t, got, "password")
				want := map[string]any{"a": "1", "b": "2", "c": "3"}
				if maxAttrs == 2 {
					want = map[string]any{"a": "1", "b": "2"}
				}
				assert.Equal(t, want, got, "max_attributes=%d", maxAttrs)
			}
		})
	}
}

// TestCumulativeOverflowOwnedAcrossBatches: a cumulative overflow series
// carries the running total of one original series per window, even when the
// other series arrive in later batches; a new window lets a new series own it.
func TestCumulativeOverflowOwnedAcrossBatches(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	cfg := createDefaultConfig().(*Config)
	cfg.Cardinality.Window = time.Minute
	cfg.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", Keys: []string{"user"}, MaxValues: 1}}
	now := time.Unix(0, 0)
	f, err := newFilter(settingsWith(tel), cfg, func() time.Time { return now })
	require.NoError(t, err)

	// send returns user -> value of what passed, for one cumulative point per user.
	send := func(env string, points map[string]int64) map[string]int64 {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("env", env)
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("logins")
		sum := m.SetEmptySum()
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		for _, user := range []string{"u1", "u2", "u3"} {
			if v, ok := points[user]; ok {
				dp := sum.DataPoints().AppendEmpty()
				dp.Attributes().PutStr("user", user)
				dp.SetIntValue(v)
			}
		}
		out, err := f.processMetrics(context.Background(), md)
		got := map[string]int64{}
		if err != nil {
			return got
		}
		dps := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			v, _ := dps.At(i).Attributes().Get("user")
			got[v.Str()] = dps.At(i).IntValue()
		}
		return got
	}
	const overflow = "otelgate.overflow"
	assert.Equal(t, map[string]int64{"u1": 10, overflow: 20}, send("prod", map[string]int64{"u1": 10, "u2": 20}), "u2 owns the overflow series")
	assert.Equal(t, map[string]int64{}, send("prod", map[string]int64{"u3": 30}), "u3 alone in a later batch still may not report under u2's series")
	assert.Equal(t, map[string]int64{overflow: 25}, send("prod", map[string]int64{"u2": 25}), "the owner keeps reporting")
	assert.Equal(t, map[string]int64{overflow: 31}, send("staging", map[string]int64{"u3": 31}), "another resource is another series")
	assert.EqualValues(t, 1, testutil.IntSum(t, tel.Reader, "otelcol_processor_attribute_filter_points_dropped_on_collision"))

	now = now.Add(time.Minute)
	assert.Equal(t, map[string]int64{"u3": 40}, send("prod", map[string]int64{"u3": 40}), "new window: new budget")
	assert.Equal(t, map[string]int64{overflow: 50}, send("prod", map[string]int64{"u1": 50}), "new window: new owner")
}

// TestExpHistogramFarOffsetsNotMerged: delta exponential histograms whose
// bucket ranges lie far apart are not merged into a huge bucket array: the
// colliding point is dropped and counted, the other arrives intact.
func TestExpHistogramFarOffsetsNotMerged(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	cfg := createDefaultConfig().(*Config)
	cfg.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", Keys: []string{"user"}, MaxValues: 1}}
	f, err := newFilter(settingsWith(tel), cfg, fixedClock())
	require.NoError(t, err)
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("latency")
	eh := m.SetEmptyExponentialHistogram()
	eh.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	for i, offset := range []int32{0, -2_000_000_000, 2_000_000_000} {
		dp := eh.DataPoints().AppendEmpty()
		dp.Attributes().PutStr("user", fmt.Sprintf("u%d", i))
		dp.SetCount(1)
		dp.Positive().SetOffset(offset)
		dp.Positive().BucketCounts().FromRaw([]uint64{1})
	}
	out, err := f.processMetrics(context.Background(), md)
	require.NoError(t, err)
	dps := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).ExponentialHistogram().DataPoints()
	require.Equal(t, 2, dps.Len(), "u0 and the first overflow point")
	assert.Equal(t, []uint64{1}, dps.At(1).Positive().BucketCounts().AsRaw())
	assert.EqualValues(t, 1, testutil.IntSum(t, tel.Reader, "otelcol_processor_attribute_filter_points_dropped_on_collision"))
}

// TestConcurrentMetricBatches: batches processed concurrently share one
// budget: 8 goroutines sending distinct users still let only max_values of
// them through, and the delta sums stay exact (run with -race).
func TestConcurrentMetricBatches(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", Keys: []string{"user"}, MaxValues: 10}}
	f, err := newFilter(processortest.NewNopSettings(metadata.Type), cfg, fixedClock())
	require.NoError(t, err)
	const workers, perWorker = 8, 50
	results := make(chan map[string]int64, workers)
	for w := range workers {
		go func() {
			got := map[string]int64{}
			for i := range perWorker {
				md := pmetric.NewMetrics()
				m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
				m.SetName("requests")
				sum := m.SetEmptySum()
				sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
				dp := sum.DataPoints().AppendEmpty()
				dp.SetIntValue(1)
				dp.Attributes().PutStr("user", fmt.Sprintf("w%d-u%d", w, i))
				out, err := f.processMetrics(context.Background(), md)
				if err != nil {
					continue
				}
				p := out.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0)
				v, _ := p.Attributes().Get("user")
				got[v.Str()] += p.IntValue()
			}
			results <- got
		}()
	}
	users := map[string]int64{}
	var total int64
	for range workers {
		for u, n := range <-results {
			users[u] += n
			total += n
		}
	}
	assert.EqualValues(t, workers*perWorker, total)
	assert.Len(t, users, 11, "10 admitted users and the overflow value")
}
