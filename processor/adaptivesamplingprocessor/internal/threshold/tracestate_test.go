package threshold

import "testing"

func TestParseTraceState(t *testing.T) {
	cases := []struct {
		ts           string
		th           string
		rv           uint64
		hasTh, hasRv bool
	}{
		{ts: ""},
		{ts: "vendor=x"},
		{ts: "ot=th:8", th: "8", hasTh: true},
		{ts: "a=b, ot=rv:0123456789abcd;th:c ,c=d", th: "c", hasTh: true, rv: 0x0123456789abcd, hasRv: true},
		{ts: "ot=th:zz;rv:short"},
		{ts: "xot=th:8"},
	}
	for _, c := range cases {
		ot := ParseTraceState(c.ts)
		if ot.HasThreshold != c.hasTh || ot.HasRandomness != c.hasRv {
			t.Errorf("%q: %+v", c.ts, ot)
			continue
		}
		if c.hasTh && ot.Threshold.String() != c.th {
			t.Errorf("%q: th %s, want %s", c.ts, ot.Threshold, c.th)
		}
		if c.hasRv && ot.Randomness != c.rv {
			t.Errorf("%q: rv %x", c.ts, ot.Randomness)
		}
	}
}

func TestWithThreshold(t *testing.T) {
	th, _ := Parse("e666")
	cases := map[string]string{
		"":                                  "ot=th:e666",
		"vendor=x":                          "ot=th:e666,vendor=x",
		"ot=th:8":                           "ot=th:e666",
		"a=b,ot=rv:0123456789abcd;th:8;x:y": "ot=th:e666;rv:0123456789abcd;x:y,a=b",
		"a=b, ot=rv:0123456789abcd , c=d":   "ot=th:e666;rv:0123456789abcd,a=b,c=d",
	}
	for in, want := range cases {
		if got := WithThreshold(in, th); got != want {
			t.Errorf("WithThreshold(%q) = %q, want %q", in, got, want)
		}
		if got := ParseTraceState(WithThreshold(in, th)); !got.HasThreshold || got.Threshold != th {
			t.Errorf("%q: re-parse %+v", in, got)
		}
	}
}

func FuzzParseTraceState(f *testing.F) {
	for _, s := range []string{"", "ot=th:8", "a=b,ot=rv:0123456789abcd;th:c", "ot=;;", "ot=th:", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ts string) {
		ot := ParseTraceState(ts)
		if ot.HasThreshold && ot.Threshold >= Max {
			t.Fatalf("threshold out of range: %x", uint64(ot.Threshold))
		}
		out := WithThreshold(ts, 0x80000000000000)
		if got := ParseTraceState(out); !got.HasThreshold || got.Threshold != 0x80000000000000 {
			t.Fatalf("%q -> %q: %+v", ts, out, got)
		}
	})
}

func BenchmarkParseTraceStateEmpty(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = ParseTraceState("")
	}
}

func BenchmarkParseTraceState(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = ParseTraceState("vendor=abc,ot=rv:0123456789abcd;th:c")
	}
}
