package window

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// count is the number of samples (data points) received in the window.
type count struct{}

func init() { register(count{}) }

func (count) Name() string { return "count" }

func (count) Shape(Input) (Shape, bool) {
	return Shape{Type: pmetric.MetricTypeSum, Monotonic: true, Additive: true}, true
}

func (count) New(Input) State { return &CountState{} }

// CountState is the state of the count output.
type CountState struct{ N int64 }

func (s *CountState) Push(*Sample) { s.N++ }

func (s *CountState) Merge(o State) bool {
	s.N += o.(*CountState).N
	return true
}

func (s *CountState) AppendTo(m pmetric.Metric, start, end pcommon.Timestamp) (pcommon.Map, bool) {
	dp := appendNumber(m, start, end)
	dp.SetIntValue(s.N)
	return dp.Attributes(), true
}
