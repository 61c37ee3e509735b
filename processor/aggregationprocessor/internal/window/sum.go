package window

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// sum adds the samples of the window: deltas (or increases of cumulative
// input) for sums, sample values for gauges.
type sum struct{}

func init() { register(sum{}) }

func (sum) Name() string { return "sum" }

func (sum) Shape(in Input) (Shape, bool) {
	switch in.Kind {
	case KindSum:
		return Shape{Type: pmetric.MetricTypeSum, Monotonic: in.Monotonic, Additive: true}, true
	case KindGauge:
		return Shape{Type: pmetric.MetricTypeGauge}, true
	}
	return Shape{}, false
}

func (sum) New(Input) State { return &SumState{} }

// SumState is the state of the sum and increase outputs.
type SumState struct{ T total }

func (s *SumState) Push(x *Sample) { s.T.add(x.Delta) }

func (s *SumState) Merge(o State) bool {
	s.T.merge(o.(*SumState).T)
	return true
}

func (s *SumState) AppendTo(m pmetric.Metric, start, end pcommon.Timestamp) (pcommon.Map, bool) {
	dp := appendNumber(m, start, end)
	setNumber(dp, s.T.number())
	return dp.Attributes(), true
}
