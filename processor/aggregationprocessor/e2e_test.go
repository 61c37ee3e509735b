package aggregationprocessor_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelgate/otelgate/internal/e2etest"
)

const (
	e2eSeries  = 1000 // input series per metric: 100 pods x 10 routes
	e2eRoutes  = 10   // output series per window (group_by: [route])
	e2eBatches = 4
)

// e2eInput builds batch b of the input: delta int sums of e2e.requests
// (value i+1 for series i) and e2e.slow (value 2(i+1)), stamped ts, plus
// one point of e2e.other that no rule matches. It adds every value to
// want[metric][route].
func e2eInput(b int, ts time.Time, want map[string]map[string]int64) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "checkout")
	rm.Resource().Attributes().PutStr("host.name", fmt.Sprintf("host-%d", b))
	sm := rm.ScopeMetrics().AppendEmpty()
	for _, name := range []string{"e2e.requests", "e2e.slow"} {
		m := sm.Metrics().AppendEmpty()
		m.SetName(name)
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		for i := b * e2eSeries / e2eBatches; i < (b+1)*e2eSeries/e2eBatches; i++ {
			v := int64(i + 1)
			if name == "e2e.slow" {
				v *= 2
			}
			route := fmt.Sprintf("/r%d", i%e2eRoutes)
			dp := s.DataPoints().AppendEmpty()
			dp.SetStartTimestamp(pcommon.NewTimestampFromTime(ts.Add(-time.Second)))
			dp.SetTimestamp(pcommon.NewTimestampFromTime(ts))
			dp.SetIntValue(v)
			dp.Attributes().PutStr("pod", fmt.Sprintf("pod-%03d", i/e2eRoutes))
			dp.Attributes().PutStr("route", route)
			if want[name] == nil {
				want[name] = map[string]int64{}
			}
			want[name][route] += v
		}
	}
	if b == 0 {
		g := sm.Metrics().AppendEmpty()
		g.SetName("e2e.other")
		dp := g.SetEmptyGauge().DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		dp.SetIntValue(42)
		dp.Attributes().PutStr("pod", "pod-000")
	}
	return md
}

// e2ePoint is one output point seen at the sink.
type e2ePoint struct {
	route  string
	window pcommon.Timestamp
	value  int64
	attrs  map[string]any
}

func e2ePoints(md pmetric.Metrics, name string) []e2ePoint {
	var out []e2ePoint
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				if m.Name() != name {
					continue
				}
				var dps pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeSum:
					dps = m.Sum().DataPoints()
				case pmetric.MetricTypeGauge:
					dps = m.Gauge().DataPoints()
				default:
					continue
				}
				for _, dp := range dps.All() {
					attrs := dp.Attributes().AsRaw()
					for k, v := range rm.Resource().Attributes().AsRaw() {
						attrs["resource."+k] = v
					}
					r, _ := dp.Attributes().Get("route")
					out = append(out, e2ePoint{route: r.Str(), window: dp.StartTimestamp(), value: dp.IntValue(), attrs: attrs})
				}
			}
		}
	}
	return out
}

func e2eTotal(ps []e2ePoint) (total int64) {
	for _, p := range ps {
		total += p.value
	}
	return total
}

// checkWindows: every point carries only the route attribute, no window
// holds more than e2eRoutes points, and the per-route totals over all
// windows equal want exactly.
func checkWindows(t *testing.T, name string, ps []e2ePoint, want map[string]int64) {
	t.Helper()
	perWindow := map[pcommon.Timestamp]map[string]bool{}
	got := map[string]int64{}
	for _, p := range ps {
		require.Equal(t, map[string]any{"route": p.route}, p.attrs, "%s: attributes after group_by [route]", name)
		if perWindow[p.window] == nil {
			perWindow[p.window] = map[string]bool{}
		}
		require.False(t, perWindow[p.window][p.route], "%s: route %s twice in window %v", name, p.route, p.window)
		perWindow[p.window][p.route] = true
		got[p.route] += p.value
	}
	for w, routes := range perWindow {
		require.LessOrEqual(t, len(routes), e2eRoutes, "%s: series in window %v", name, w)
	}
	require.Equal(t, want, got, "%s: per-route totals over all windows", name)
	require.Len(t, slices.Collect(maps.Keys(got)), e2eRoutes)
}

// TestE2EAggregation runs the built gateway with testdata/e2e/config.yaml:
// 1,000 input series of a delta counter reach the sink as 10 series per
// 2s window whose totals per route are exact (sum and count), unmatched
// metrics pass through untouched, and the 1h window of e2e.slow, still
// open when the gateway gets SIGTERM, is delivered with exact totals.
func TestE2EAggregation(t *testing.T) {
	e2etest.SkipIfShort(t)
	sink := e2etest.StartSink(t)
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{
		Config: "processor/aggregationprocessor/testdata/e2e/config.yaml",
		Sink:   sink,
	})

	// Start just after a 2s boundary so the batches usually share one
	// window (the totals are exact either way).
	now := time.Now()
	time.Sleep(now.Truncate(2 * time.Second).Add(2*time.Second + 50*time.Millisecond).Sub(now))
	ts := time.Now()
	want := map[string]map[string]int64{}
	for b := range e2eBatches {
		gw.SendMetrics(t, e2eInput(b, ts, want))
	}
	wantRequests := e2eTotal(nil)
	for _, v := range want["e2e.requests"] {
		wantRequests += v
	}
	require.Equal(t, wantRequests, int64(e2eSeries*(e2eSeries+1)/2))

	deadline := time.Now().Add(30 * time.Second)
	for e2eTotal(e2ePoints(sink.AllMetrics(), "e2e.requests.sum")) < wantRequests && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	md := sink.AllMetrics()
	checkWindows(t, "e2e.requests.sum", e2ePoints(md, "e2e.requests.sum"), want["e2e.requests"])
	wantCounts := map[string]int64{}
	for r := range want["e2e.requests"] {
		wantCounts[r] = e2eSeries / e2eRoutes
	}
	checkWindows(t, "e2e.requests.count", e2ePoints(md, "e2e.requests.count"), wantCounts)

	other := e2ePoints(md, "e2e.other")
	require.Len(t, other, 1, "unmatched metric passes through")
	require.Equal(t, int64(42), other[0].value)
	require.Equal(t, "pod-000", other[0].attrs["pod"])

	require.Empty(t, e2ePoints(md, "e2e.slow"), "the 1h window of e2e.slow is still open")
	require.Equal(t, float64(e2eSeries), gw.Metric(t, "otelcol_processor_aggregation_input_points", map[string]string{"rule": "requests"}))
	require.Equal(t, float64(e2eSeries), gw.Metric(t, "otelcol_processor_aggregation_input_points", map[string]string{"rule": "slow"}))
	require.Equal(t, float64(e2eRoutes), gw.Metric(t, "otelcol_processor_aggregation_active_series", map[string]string{"rule": "slow"}))
	emitted := len(e2ePoints(md, "e2e.requests.sum")) + len(e2ePoints(md, "e2e.requests.count"))
	require.Equal(t, float64(emitted), gw.Metric(t, "otelcol_processor_aggregation_output_points", map[string]string{"rule": "requests"}))

	// SIGTERM mid-window: the open window of e2e.slow is flushed on the way out.
	gw.Stop(t)
	checkWindows(t, "e2e.slow", e2ePoints(sink.AllMetrics(), "e2e.slow"), want["e2e.slow"])
}

// TestE2EAggregationCheckpointRestart: the open 1h window of e2e.slow is
// checkpointed to file_storage when the first gateway stops (nothing
// reaches the sink), restored by the second, which adds its own points and
// delivers the whole window at its shutdown with exact totals.
func TestE2EAggregationCheckpointRestart(t *testing.T) {
	e2etest.SkipIfShort(t)
	sink := e2etest.StartSink(t)
	dir := t.TempDir()
	start := func(flush string) *e2etest.Gateway {
		return e2etest.StartGateway(t, e2etest.GatewayOptions{
			Config: "processor/aggregationprocessor/testdata/e2e/checkpoint.yaml",
			Sink:   sink,
			Env:    map[string]string{"AGG_STATE_DIR": dir, "AGG_FLUSH_ON_SHUTDOWN": flush},
		})
	}
	want := map[string]map[string]int64{}
	ts := time.Now()

	gw := start("false")
	gw.SendMetrics(t, e2eInput(0, ts, want))
	gw.SendMetrics(t, e2eInput(1, ts, want))
	gw.Stop(t)
	require.Empty(t, e2ePoints(sink.AllMetrics(), "e2e.slow"), "the open window is checkpointed, not flushed")

	gw = start("true")
	gw.SendMetrics(t, e2eInput(2, ts, want))
	gw.SendMetrics(t, e2eInput(3, ts, want))
	gw.Stop(t)
	checkWindows(t, "e2e.slow", e2ePoints(sink.AllMetrics(), "e2e.slow"), want["e2e.slow"])
}
