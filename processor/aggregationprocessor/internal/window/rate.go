package window

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// rate is the per-second rate over the window: the increase of a sum, or
// the number of observations of a histogram, divided by the window length.
type rate struct{}

func init() { register(rate{}) }

func (rate) Name() string { return "rate" }

func (rate) Shape(in Input) (Shape, bool) {
	if in.Kind == KindGauge {
		return Shape{}, false
	}
	return Shape{Type: pmetric.MetricTypeGauge}, true
}

func (rate) New(Input) State { return &RateState{} }

// RateState is the state of the rate output.
type RateState struct{ Total float64 }

func (s *RateState) Push(x *Sample) {
	switch {
	case x.Hist != nil:
		s.Total += float64(x.Hist.Count)
	case x.Exp != nil:
		s.Total += float64(x.Exp.Count)
	default:
		s.Total += x.Delta.Float64()
	}
}

func (s *RateState) AppendTo(m pmetric.Metric, start, end pcommon.Timestamp) (pcommon.Map, bool) {
	secs := float64(end-start) / 1e9
	if secs <= 0 {
		return pcommon.Map{}, false
	}
	dp := appendNumber(m, start, end)
	dp.SetDoubleValue(s.Total / secs)
	return dp.Attributes(), true
}
