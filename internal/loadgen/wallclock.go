package loadgen

import (
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
)

// stampMetricsAt returns the metrics request body with every point stamped
// now, as a live application would send it. A cumulative point's start
// becomes runStart, so its series keeps one start for the whole run; a
// delta point's start keeps its distance to the point's time.
func stampMetricsAt(body []byte, now, runStart time.Time) ([]byte, error) {
	req := pmetricotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return nil, fmt.Errorf("restamp metrics request: %w", err)
	}
	ts, rs := pcommon.NewTimestampFromTime(now), pcommon.NewTimestampFromTime(runStart)
	stamp := func(cumulative bool, start, t pcommon.Timestamp) (pcommon.Timestamp, pcommon.Timestamp) {
		switch {
		case start == 0:
			return 0, ts
		case cumulative:
			return rs, ts
		}
		return ts - (t - start), ts
	}
	rms := req.Metrics().ResourceMetrics()
	for i := range rms.Len() {
		sms := rms.At(i).ScopeMetrics()
		for j := range sms.Len() {
			ms := sms.At(j).Metrics()
			for k := range ms.Len() {
				m := ms.At(k)
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					stampNumbers(m.Gauge().DataPoints(), false, stamp)
				case pmetric.MetricTypeSum:
					stampNumbers(m.Sum().DataPoints(), m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityCumulative, stamp)
				case pmetric.MetricTypeHistogram:
					dps := m.Histogram().DataPoints()
					for p := range dps.Len() {
						dp := dps.At(p)
						s, t := stamp(m.Histogram().AggregationTemporality() == pmetric.AggregationTemporalityCumulative, dp.StartTimestamp(), dp.Timestamp())
						dp.SetStartTimestamp(s)
						dp.SetTimestamp(t)
					}
				}
			}
		}
	}
	return req.MarshalProto()
}

func stampNumbers(dps pmetric.NumberDataPointSlice, cumulative bool, stamp func(cumulative bool, start, t pcommon.Timestamp) (pcommon.Timestamp, pcommon.Timestamp)) {
	for p := range dps.Len() {
		dp := dps.At(p)
		s, t := stamp(cumulative, dp.StartTimestamp(), dp.Timestamp())
		dp.SetStartTimestamp(s)
		dp.SetTimestamp(t)
	}
}
