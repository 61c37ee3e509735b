package window

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// last is the sample with the latest timestamp in the window (on equal
// timestamps, the one received last).
type last struct{}

func init() { register(last{}) }

func (last) Name() string { return "last" }

func (last) Shape(in Input) (Shape, bool) {
	if in.Kind != KindGauge && in.Kind != KindSum {
		return Shape{}, false
	}
	return Shape{Type: pmetric.MetricTypeGauge}, true
}

func (last) New(Input) State { return &LastState{} }

// LastState is the state of the last output.
type LastState struct {
	V    Number
	Time int64
	Set  bool
}

func (s *LastState) Push(x *Sample) {
	if !s.Set || x.Time >= s.Time {
		s.V, s.Time, s.Set = x.Value, x.Time, true
	}
}

func (s *LastState) AppendTo(m pmetric.Metric, start, end pcommon.Timestamp) (pcommon.Map, bool) {
	if !s.Set {
		return pcommon.Map{}, false
	}
	dp := appendNumber(m, start, end)
	setNumber(dp, s.V)
	return dp.Attributes(), true
}
