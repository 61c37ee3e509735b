package enrichmentprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// applyDataPoints applies the record-level sources to every data point of m.
func (b *batch) applyDataPoints(m pmetric.Metric, res pcommon.Map) {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		for _, dp := range m.Gauge().DataPoints().All() {
			b.applyRecord(dp.Attributes(), res)
		}
	case pmetric.MetricTypeSum:
		for _, dp := range m.Sum().DataPoints().All() {
			b.applyRecord(dp.Attributes(), res)
		}
	case pmetric.MetricTypeHistogram:
		for _, dp := range m.Histogram().DataPoints().All() {
			b.applyRecord(dp.Attributes(), res)
		}
	case pmetric.MetricTypeExponentialHistogram:
		for _, dp := range m.ExponentialHistogram().DataPoints().All() {
			b.applyRecord(dp.Attributes(), res)
		}
	case pmetric.MetricTypeSummary:
		for _, dp := range m.Summary().DataPoints().All() {
			b.applyRecord(dp.Attributes(), res)
		}
	}
}
