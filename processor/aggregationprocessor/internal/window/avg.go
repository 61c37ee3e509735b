package window

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// avg is the mean sample value of the window; for histograms the total of
// the points' sums divided by the total of their counts.
type avg struct{}

func init() { register(avg{}) }

func (avg) Name() string { return "avg" }

func (avg) Shape(Input) (Shape, bool) { return Shape{Type: pmetric.MetricTypeGauge}, true }

func (avg) New(Input) State { return &AvgState{} }

// AvgState is the state of the avg output.
type AvgState struct {
	Sum float64
	N   uint64
}

func (s *AvgState) Push(x *Sample) {
	switch {
	case x.Hist != nil:
		if x.Hist.HasSum {
			s.Sum += x.Hist.Sum
			s.N += x.Hist.Count
		}
	case x.Exp != nil:
		if x.Exp.HasSum {
			s.Sum += x.Exp.Sum
			s.N += x.Exp.Count
		}
	default:
		s.Sum += x.Value.Float64()
		s.N++
	}
}

func (s *AvgState) AppendTo(m pmetric.Metric, start, end pcommon.Timestamp) (pcommon.Map, bool) {
	if s.N == 0 {
		return pcommon.Map{}, false
	}
	dp := appendNumber(m, start, end)
	dp.SetDoubleValue(s.Sum / float64(s.N))
	return dp.Attributes(), true
}
