package window

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// minimum is the smallest sample value of the window (for histograms the
// smallest of the points' min fields).
type minimum struct{}

func init() { register(minimum{}) }

func (minimum) Name() string { return "min" }

func (minimum) Shape(Input) (Shape, bool) { return Shape{Type: pmetric.MetricTypeGauge}, true }

func (minimum) New(Input) State { return &MinState{} }

// MinState is the state of the min output.
type MinState struct {
	V   Number
	Set bool
}

func (s *MinState) Push(x *Sample) {
	v, ok := extreme(x, false)
	if ok && (!s.Set || v.Less(s.V)) {
		s.V, s.Set = v, true
	}
}

func (s *MinState) AppendTo(m pmetric.Metric, start, end pcommon.Timestamp) (pcommon.Map, bool) {
	if !s.Set {
		return pcommon.Map{}, false
	}
	dp := appendNumber(m, start, end)
	setNumber(dp, s.V)
	return dp.Attributes(), true
}

// extreme returns the sample's value, or for histograms its min (max when
// upper is set) when the point carries one.
func extreme(x *Sample, upper bool) (Number, bool) {
	switch {
	case x.Hist != nil:
		if upper {
			return Float(x.Hist.Max), x.Hist.HasMax
		}
		return Float(x.Hist.Min), x.Hist.HasMin
	case x.Exp != nil:
		if upper {
			return Float(x.Exp.Max), x.Exp.HasMax
		}
		return Float(x.Exp.Min), x.Exp.HasMin
	}
	return x.Value, true
}
