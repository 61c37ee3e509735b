package window

import "go.opentelemetry.io/collector/pdata/pmetric"

// increase is the total increase of a sum over the window: deltas summed,
// cumulative input converted to increases per input series (with reset
// detection) before reduction. Unlike sum it does not apply to gauges.
type increase struct{}

func init() { register(increase{}) }

func (increase) Name() string { return "increase" }

func (increase) Shape(in Input) (Shape, bool) {
	if in.Kind != KindSum {
		return Shape{}, false
	}
	return Shape{Type: pmetric.MetricTypeSum, Monotonic: in.Monotonic, Additive: true}, true
}

func (increase) New(Input) State { return &SumState{} }
