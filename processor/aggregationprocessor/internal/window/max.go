package window

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// maximum is the largest sample value of the window (for histograms the
// largest of the points' max fields).
type maximum struct{}

func init() { register(maximum{}) }

func (maximum) Name() string { return "max" }

func (maximum) Shape(Input) (Shape, bool) { return Shape{Type: pmetric.MetricTypeGauge}, true }

func (maximum) New(Input) State { return &MaxState{} }

// MaxState is the state of the max output.
type MaxState struct {
	V   Number
	Set bool
}

func (s *MaxState) Push(x *Sample) {
	v, ok := extreme(x, true)
	if ok && (!s.Set || s.V.Less(v)) {
		s.V, s.Set = v, true
	}
}

func (s *MaxState) AppendTo(m pmetric.Metric, start, end pcommon.Timestamp) (pcommon.Map, bool) {
	if !s.Set {
		return pcommon.Map{}, false
	}
	dp := appendNumber(m, start, end)
	setNumber(dp, s.V)
	return dp.Attributes(), true
}
