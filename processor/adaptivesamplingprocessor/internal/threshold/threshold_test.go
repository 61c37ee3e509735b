package threshold

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The encoding examples of the specification "TraceState: Probability Sampling".
func TestFromProbabilitySpecExamples(t *testing.T) {
	cases := []struct {
		p         float64
		precision int
		want      string
	}{
		{1, 4, "0"},
		{0.5, 4, "8"},
		{0.25, 4, "c"},
		{0.125, 4, "e"},
		{1.0 / 3, 4, "aaab"},
		{1.0 / 3, 3, "aab"},
		{1.0 / 3, 2, "ab"},
		{2.0 / 3, 4, "5555"},
		{0.1, 4, "e666"},
		{0.01, 4, "fd70a"},
		{0.75, 14, "4"},
		{math.Ldexp(1, -56), 4, "ffffffffffffff"},
	}
	for _, c := range cases {
		th, err := FromProbability(c.p, c.precision)
		if err != nil {
			t.Fatalf("p=%v: %v", c.p, err)
		}
		if got := th.String(); got != c.want {
			t.Errorf("p=%v precision=%d: th=%q, want %q", c.p, c.precision, got, c.want)
		}
	}
}

func TestFromProbabilityRelativeError(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		p := math.Pow(10, -6*r.Float64()) // 1e-6 .. 1
		th, err := FromProbability(p, 4)
		if err != nil {
			t.Fatal(err)
		}
		// 4 significant hex digits: relative error below 16^-3 / 2.
		if rel := math.Abs(th.Probability()-p) / p; rel > 1.0/8192 {
			t.Fatalf("p=%v: decoded %v, relative error %v", p, th.Probability(), rel)
		}
	}
}

func TestFromProbabilityRejectsOutOfRange(t *testing.T) {
	for _, p := range []float64{-0.1, 1.5, math.NaN()} {
		if _, err := FromProbability(p, 4); err == nil {
			t.Errorf("p=%v accepted", p)
		}
	}
	th, err := FromProbability(0, 4)
	if err != nil || th != Max || th.ShouldSample(MaxRandomness) {
		t.Fatalf("p=0: th=%v err=%v", th, err)
	}
}

func TestParseRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		th := Threshold(r.Uint64N(uint64(Max)))
		got, err := Parse(th.String())
		if err != nil || got != th {
			t.Fatalf("%x: round trip %x, %v", uint64(th), uint64(got), err)
		}
	}
	for _, bad := range []string{"", "g", "A", "123456789012345", "-1", " 8"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"", "8", "1234567890123", "123456789012345", "ABCDEF01234567"} {
		if _, err := ParseRandomness(bad); err == nil {
			t.Errorf("ParseRandomness(%q) accepted", bad)
		}
	}
	if r, err := ParseRandomness("0123456789abcd"); err != nil || r != 0x0123456789abcd {
		t.Fatalf("rv: %x %v", r, err)
	}
}

func TestRandomnessFromTraceID(t *testing.T) {
	id := [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7}
	if got := RandomnessFromTraceID(id); got != 0x01020304050607 {
		t.Fatalf("got %x", got)
	}
}

func TestShouldSampleFraction(t *testing.T) {
	th, _ := FromProbability(0.1, 4)
	r := rand.New(rand.NewPCG(5, 6))
	kept := 0
	const n = 200000
	for range n {
		if th.ShouldSample(r.Uint64() >> 8) {
			kept++
		}
	}
	if f := float64(kept) / n; math.Abs(f-0.1) > 0.005 {
		t.Fatalf("kept fraction %v", f)
	}
}

func BenchmarkFromProbability(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = FromProbability(float64(i%1000+1)/1000, 4)
	}
}
