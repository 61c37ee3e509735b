package window

import (
	"fmt"
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Shape is the metric an output emits for a given input.
type Shape struct {
	Type      pmetric.MetricType
	Monotonic bool
	// Additive outputs (sums, counts, histograms) can be emitted with
	// cumulative temporality by keeping running totals.
	Additive bool
}

// Output is one aggregation output: a name, the inputs it applies to and a
// constructor for its per-series state.
type Output interface {
	Name() string
	// Shape returns the emitted metric for input in, and false when the
	// output does not apply to that input.
	Shape(in Input) (Shape, bool)
	// New returns empty state for one series of input in.
	New(in Input) State
}

// State is the per-series, per-window state of one output.
type State interface {
	// Push adds one sample.
	Push(s *Sample)
	// AppendTo appends the aggregated point to m (whose type is the
	// output's Shape) with the given start and end timestamps and returns
	// the point's attribute map for the caller to fill. It returns false
	// when there is nothing to emit (for example min of histograms that
	// carried no min).
	AppendTo(m pmetric.Metric, start, end pcommon.Timestamp) (pcommon.Map, bool)
}

// Rejecter is implemented by states that cannot take some samples (an
// explicit-bucket histogram with other bounds than the series' first point).
type Rejecter interface {
	Rejects(s *Sample) bool
}

// Merger is implemented by the state of additive outputs: Merge adds the
// state o (of the same output) into the receiver and returns false, adding
// nothing, when o cannot be added (explicit-bucket histograms whose bounds
// differ): the caller then starts the running total again from o.
type Merger interface {
	Merge(o State) bool
}

var outputs = map[string]Output{}

func register(o Output) { outputs[o.Name()] = o }

// Lookup returns the output called name.
func Lookup(name string) (Output, error) {
	o, ok := outputs[name]
	if !ok {
		return nil, fmt.Errorf("unknown output %q (known: %v)", name, OutputNames())
	}
	return o, nil
}

// OutputNames lists the known outputs, sorted.
func OutputNames() []string {
	names := make([]string, 0, len(outputs))
	for n := range outputs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func appendNumber(m pmetric.Metric, start, end pcommon.Timestamp) pmetric.NumberDataPoint {
	var dp pmetric.NumberDataPoint
	if m.Type() == pmetric.MetricTypeSum {
		dp = m.Sum().DataPoints().AppendEmpty()
	} else {
		dp = m.Gauge().DataPoints().AppendEmpty()
	}
	dp.SetStartTimestamp(start)
	dp.SetTimestamp(end)
	return dp
}

func setNumber(dp pmetric.NumberDataPoint, n Number) {
	if n.IsInt {
		dp.SetIntValue(n.I)
	} else {
		dp.SetDoubleValue(n.F)
	}
}

// total adds numbers, exactly while they are all integers.
type total struct {
	I      int64
	F      float64
	Floats bool
}

func (t *total) add(n Number) {
	if n.IsInt {
		t.I += n.I
		return
	}
	t.F += n.F
	t.Floats = true
}

func (t *total) merge(o total) {
	t.I += o.I
	t.F += o.F
	t.Floats = t.Floats || o.Floats
}

func (t total) number() Number {
	if !t.Floats {
		return Int(t.I)
	}
	return Float(t.F + float64(t.I))
}
