package window

// Kind is the point kind of an input metric.
type Kind uint8

// Point kinds that can be aggregated.
const (
	KindGauge Kind = iota + 1
	KindSum
	KindHistogram
	KindExpHistogram
)

func (k Kind) String() string {
	switch k {
	case KindGauge:
		return "gauge"
	case KindSum:
		return "sum"
	case KindHistogram:
		return "histogram"
	case KindExpHistogram:
		return "exponential_histogram"
	}
	return "unknown"
}

// Input describes the input metric a series aggregates.
type Input struct {
	Kind      Kind
	Monotonic bool
}

// Number is an integer or floating-point value as carried by a number data point.
type Number struct {
	F     float64
	I     int64
	IsInt bool
}

// Int returns an integer Number.
func Int(v int64) Number { return Number{I: v, IsInt: true} }

// Float returns a floating-point Number.
func Float(v float64) Number { return Number{F: v} }

// Float64 returns the value as a float64.
func (n Number) Float64() float64 {
	if n.IsInt {
		return float64(n.I)
	}
	return n.F
}

// Less reports whether n < o.
func (n Number) Less(o Number) bool {
	if n.IsInt && o.IsInt {
		return n.I < o.I
	}
	return n.Float64() < o.Float64()
}

// Sample is one input data point as seen by the outputs.
type Sample struct {
	// Time is the point's timestamp in Unix nanoseconds.
	Time int64
	// Value is the number value as received (gauges and sums).
	Value Number
	// Delta is what the sample adds to a total: the value for gauges and
	// delta sums, the increase since the previous point for cumulative sums.
	Delta Number
	// Hist is set for explicit-bucket histograms (a delta: cumulative input
	// has already been converted).
	Hist *Histogram
	// Exp is set for exponential histograms (a delta, as Hist).
	Exp *ExpHistogram
}
