package encryptionprocessor // import "github.com/otelgate/otelgate/processor/encryptionprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

func (p *encryptionProcessor) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	r := p.newRun()
	var err error
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		if err != nil {
			return false
		}
		var drop bool
		if drop, err = r.attrs(rm.Resource().Attributes(), codec.LevelResource); drop || err != nil {
			if drop {
				for i := 0; i < rm.ScopeMetrics().Len(); i++ {
					r.dropped += int64(dataPointCount(rm.ScopeMetrics().At(i).Metrics()))
				}
			}
			return drop
		}
		had := rm.ScopeMetrics().Len()
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			if err != nil {
				return false
			}
			if drop, err = r.attrs(sm.Scope().Attributes(), codec.LevelScope); drop || err != nil {
				if drop {
					r.dropped += int64(dataPointCount(sm.Metrics()))
				}
				return drop
			}
			metrics := sm.Metrics()
			n := metrics.Len()
			metrics.RemoveIf(func(m pmetric.Metric) bool {
				if err != nil {
					return false
				}
				var empty bool
				empty, err = r.metric(m)
				return empty
			})
			return n > 0 && metrics.Len() == 0
		})
		return had > 0 && rm.ScopeMetrics().Len() == 0
	})
	if err != nil {
		return md, err
	}
	r.flush(ctx)
	if r.dropped > 0 && md.ResourceMetrics().Len() == 0 {
		return md, processorhelper.ErrSkipProcessingData
	}
	return md, nil
}

// attributed is a data point: every data point type has attributes.
type attributed interface{ Attributes() pcommon.Map }

// dataPoints applies the run to the data points of one slice, dropping those
// that on_error: drop_record removes, and reports whether points were
// dropped down to none.
func dataPoints[P attributed](r *run, n int, removeIf func(func(P) bool), lenAfter func() int, err *error) bool {
	removeIf(func(dp P) bool {
		if *err != nil {
			return false
		}
		var drop bool
		drop, *err = r.attrs(dp.Attributes(), codec.LevelRecord)
		r.dropped += b2i(drop)
		return drop
	})
	return n > 0 && lenAfter() == 0
}

// metric handles the data points of one metric and reports whether the metric
// lost all of them to drop_record.
func (r *run) metric(m pmetric.Metric) (bool, error) {
	var err error
	var empty bool
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		s := m.Gauge().DataPoints()
		empty = dataPoints(r, s.Len(), s.RemoveIf, s.Len, &err)
	case pmetric.MetricTypeSum:
		s := m.Sum().DataPoints()
		empty = dataPoints(r, s.Len(), s.RemoveIf, s.Len, &err)
	case pmetric.MetricTypeHistogram:
		s := m.Histogram().DataPoints()
		empty = dataPoints(r, s.Len(), s.RemoveIf, s.Len, &err)
	case pmetric.MetricTypeExponentialHistogram:
		s := m.ExponentialHistogram().DataPoints()
		empty = dataPoints(r, s.Len(), s.RemoveIf, s.Len, &err)
	case pmetric.MetricTypeSummary:
		s := m.Summary().DataPoints()
		empty = dataPoints(r, s.Len(), s.RemoveIf, s.Len, &err)
	}
	return empty, err
}

// dataPointCount counts the data points of metrics.
func dataPointCount(ms pmetric.MetricSlice) int {
	n := 0
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i)
		switch m.Type() {
		case pmetric.MetricTypeGauge:
			n += m.Gauge().DataPoints().Len()
		case pmetric.MetricTypeSum:
			n += m.Sum().DataPoints().Len()
		case pmetric.MetricTypeHistogram:
			n += m.Histogram().DataPoints().Len()
		case pmetric.MetricTypeExponentialHistogram:
			n += m.ExponentialHistogram().DataPoints().Len()
		case pmetric.MetricTypeSummary:
			n += m.Summary().DataPoints().Len()
		}
	}
	return n
}
