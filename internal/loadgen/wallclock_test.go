package loadgen

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
)

// TestStampMetricsAt: every point of a restamped request carries the send
// time; cumulative series start at the run's start; delta starts keep their
// distance to the point; values are untouched.
func TestStampMetricsAt(t *testing.T) {
	cfg := DefaultConfig().normalized()
	orig := New(cfg).Metrics(400)
	body, err := pmetricotlp.NewExportRequestFromMetrics(orig).MarshalProto()
	require.NoError(t, err)
	runStart := time.Now().Add(-time.Minute)
	now := time.Now()
	out, err := stampMetricsAt(body, now, runStart)
	require.NoError(t, err)
	req := pmetricotlp.NewExportRequest()
	require.NoError(t, req.UnmarshalProto(out))
	got := req.Metrics()
	require.Equal(t, orig.DataPointCount(), got.DataPointCount())

	ts, rs := pcommon.NewTimestampFromTime(now), pcommon.NewTimestampFromTime(runStart)
	var cumulative, delta int
	walkNumbers := func(m pmetric.Metric, f func(pmetric.NumberDataPoint)) {
		var dps pmetric.NumberDataPointSlice
		switch m.Type() {
		case pmetric.MetricTypeSum:
			dps = m.Sum().DataPoints()
		case pmetric.MetricTypeGauge:
			dps = m.Gauge().DataPoints()
		default:
			return
		}
		for i := range dps.Len() {
			f(dps.At(i))
		}
	}
	ms := got.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	oms := orig.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for k := range ms.Len() {
		m, om := ms.At(k), oms.At(k)
		var origPts []pmetric.NumberDataPoint
		walkNumbers(om, func(dp pmetric.NumberDataPoint) { origPts = append(origPts, dp) })
		i := 0
		walkNumbers(m, func(dp pmetric.NumberDataPoint) {
			o := origPts[i]
			i++
			require.Equal(t, ts, dp.Timestamp(), m.Name())
			require.Equal(t, o.IntValue(), dp.IntValue(), m.Name())
			require.InDelta(t, o.DoubleValue(), dp.DoubleValue(), 0, m.Name())
			switch {
			case m.Type() == pmetric.MetricTypeSum && m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityCumulative:
				require.Equal(t, rs, dp.StartTimestamp(), m.Name())
				cumulative++
			case m.Type() == pmetric.MetricTypeSum:
				require.Equal(t, o.Timestamp()-o.StartTimestamp(), dp.Timestamp()-dp.StartTimestamp(), m.Name())
				delta++
			}
		})
		if m.Type() == pmetric.MetricTypeHistogram {
			dp := m.Histogram().DataPoints().At(0)
			require.Equal(t, ts, dp.Timestamp())
			require.Less(t, dp.StartTimestamp(), dp.Timestamp())
		}
	}
	require.Positive(t, cumulative)
	require.Positive(t, delta)

	_, err = stampMetricsAt([]byte{0xff, 0xff}, now, runStart)
	require.Error(t, err)
}
