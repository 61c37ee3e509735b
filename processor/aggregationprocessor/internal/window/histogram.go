package window

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// histogram merges the histogram points of the window: explicit-bucket
// points with identical bounds bucket by bucket, exponential points at
// their common scale. An explicit-bucket point whose bounds differ from
// those of the first point of its series in the window is rejected (the
// processor counts it as dropped with reason histogram_bounds); the other
// outputs of the series still take it.
type histogram struct{}

func init() { register(histogram{}) }

func (histogram) Name() string { return "histogram" }

func (histogram) Shape(in Input) (Shape, bool) {
	switch in.Kind {
	case KindHistogram:
		return Shape{Type: pmetric.MetricTypeHistogram, Additive: true}, true
	case KindExpHistogram:
		return Shape{Type: pmetric.MetricTypeExponentialHistogram, Additive: true}, true
	}
	return Shape{}, false
}

func (histogram) New(in Input) State {
	if in.Kind == KindExpHistogram {
		return &ExpHistogramState{}
	}
	return &HistogramState{}
}

// HistogramState is the state of the histogram output for explicit buckets.
type HistogramState struct{ H Histogram }

func (s *HistogramState) Rejects(x *Sample) bool {
	return x.Hist == nil || (s.H.Merged && !s.H.SameBounds(x.Hist))
}

func (s *HistogramState) Push(x *Sample) {
	if !s.Rejects(x) {
		s.H.Add(x.Hist)
	}
}

func (s *HistogramState) Merge(o State) bool {
	os := o.(*HistogramState)
	if !os.H.Merged {
		return true
	}
	if s.H.Merged && !s.H.SameBounds(&os.H) {
		return false
	}
	s.H.Add(&os.H)
	return true
}

func (s *HistogramState) AppendTo(m pmetric.Metric, start, end pcommon.Timestamp) (pcommon.Map, bool) {
	dp := m.Histogram().DataPoints().AppendEmpty()
	dp.SetStartTimestamp(start)
	dp.SetTimestamp(end)
	h := &s.H
	dp.SetCount(h.Count)
	if h.HasSum {
		dp.SetSum(h.Sum)
	}
	if h.HasMin {
		dp.SetMin(h.Min)
	}
	if h.HasMax {
		dp.SetMax(h.Max)
	}
	dp.ExplicitBounds().FromRaw(h.Bounds)
	dp.BucketCounts().FromRaw(h.Counts)
	return dp.Attributes(), true
}

// ExpHistogramState is the state of the histogram output for exponential
// histograms.
type ExpHistogramState struct{ H ExpHistogram }

func (s *ExpHistogramState) Push(x *Sample) {
	if x.Exp != nil {
		s.H.Add(x.Exp)
	}
}

func (s *ExpHistogramState) Merge(o State) bool {
	if os := o.(*ExpHistogramState); os.H.Merged {
		s.H.Add(&os.H)
	}
	return true
}

func (s *ExpHistogramState) AppendTo(m pmetric.Metric, start, end pcommon.Timestamp) (pcommon.Map, bool) {
	dp := m.ExponentialHistogram().DataPoints().AppendEmpty()
	dp.SetStartTimestamp(start)
	dp.SetTimestamp(end)
	h := &s.H
	dp.SetCount(h.Count)
	if h.HasSum {
		dp.SetSum(h.Sum)
	}
	if h.HasMin {
		dp.SetMin(h.Min)
	}
	if h.HasMax {
		dp.SetMax(h.Max)
	}
	dp.SetScale(h.Scale)
	dp.SetZeroCount(h.ZeroCount)
	dp.SetZeroThreshold(h.ZeroThreshold)
	dp.Positive().SetOffset(h.Pos.Offset)
	dp.Positive().BucketCounts().FromRaw(h.Pos.Counts)
	dp.Negative().SetOffset(h.Neg.Offset)
	dp.Negative().BucketCounts().FromRaw(h.Neg.Counts)
	return dp.Attributes(), true
}
