package threshold

import (
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
)

// The comparison with contrib pkg/sampling, which implements the same
// specification: the per-span operations of the processor (read th and rv
// from a tracestate, write a stricter th back), one benchmark binary for both.
// doc.go records the numbers and why the processor keeps its own encoding.

const (
	benchTraceState = "ot=th:c;rv:9b8233f7e3a151,vendor=abc"
	benchRV         = uint64(0x9b8233f7e3a151)
)

// TestAgreesWithContrib: both read the same th and rv, write the same
// tracestate, and encode the same thresholds at full precision.
func TestAgreesWithContrib(t *testing.T) {
	ot := ParseTraceState(benchTraceState)
	w3c, err := sampling.NewW3CTraceState(benchTraceState)
	if err != nil {
		t.Fatal(err)
	}
	cth, ok := w3c.OTelValue().TValueThreshold()
	if !ok || !ot.HasThreshold || ot.Threshold.String() != cth.TValue() {
		t.Fatalf("th: ours %q, contrib %q (%v)", ot.Threshold, cth.TValue(), ok)
	}
	crv, ok := w3c.OTelValue().RValueRandomness()
	if !ok || !ot.HasRandomness || ot.Randomness != crv.Unsigned() {
		t.Fatalf("rv: ours %x, contrib %x (%v)", ot.Randomness, crv.Unsigned(), ok)
	}

	stricter, _ := FromProbability(0.1, 4)
	cstricter, err := sampling.TValueToThreshold(stricter.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := w3c.OTelValue().UpdateTValueWithSampling(cstricter); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	if err := w3c.Serialize(&sb); err != nil {
		t.Fatal(err)
	}
	// The order of the ot sub-keys differs (contrib writes th last); what
	// they say and the other members do not.
	got := WithThreshold(benchTraceState, stricter)
	if ParseTraceState(got) != ParseTraceState(sb.String()) || !strings.HasSuffix(got, ",vendor=abc") || !strings.HasSuffix(sb.String(), ",vendor=abc") {
		t.Fatalf("tracestate: ours %q, contrib %q", got, sb.String())
	}

	for _, p := range []float64{1, 0.75, 0.5, 1.0 / 3, 0.1, 0.01, 1e-6} {
		ours, _ := FromProbability(p, NumHexDigits)
		theirs, err := sampling.ProbabilityToThresholdWithPrecision(p, NumHexDigits)
		if err != nil {
			t.Fatal(err)
		}
		if ours.String() != theirs.TValue() {
			t.Errorf("p=%v: ours %q, contrib %q", p, ours, theirs.TValue())
		}
	}
}

func BenchmarkReadTraceState(b *testing.B) {
	b.Run("otelgate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ot := ParseTraceState(benchTraceState)
			if ot.Randomness != benchRV {
				b.Fatal(ot)
			}
		}
	})
	b.Run("contrib", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w3c, err := sampling.NewW3CTraceState(benchTraceState)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = w3c.OTelValue().TValueThreshold()
			rv, _ := w3c.OTelValue().RValueRandomness()
			if rv.Unsigned() != benchRV {
				b.Fatal(rv)
			}
		}
	})
}

func BenchmarkWriteThreshold(b *testing.B) {
	th, _ := FromProbability(0.1, 4)
	cth, _ := sampling.TValueToThreshold(th.String())
	b.Run("otelgate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ot := ParseTraceState(benchTraceState)
			if Stricter(th, ot.Threshold) == th {
				_ = WithThreshold(benchTraceState, th)
			}
		}
	})
	b.Run("contrib", func(b *testing.B) {
		b.ReportAllocs()
		var sb strings.Builder
		for b.Loop() {
			w3c, err := sampling.NewW3CTraceState(benchTraceState)
			if err != nil {
				b.Fatal(err)
			}
			if err := w3c.OTelValue().UpdateTValueWithSampling(cth); err != nil {
				b.Fatal(err)
			}
			sb.Reset()
			_ = w3c.Serialize(&sb)
			_ = sb.String()
		}
	})
}

func BenchmarkFromProbabilityContrib(b *testing.B) {
	b.Run("otelgate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = FromProbability(0.1, 4)
		}
	})
	b.Run("contrib", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = sampling.ProbabilityToThresholdWithPrecision(0.1, 4)
		}
	})
}
