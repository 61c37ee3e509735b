package window

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInputsNumberResets(t *testing.T) {
	const since = 1000
	in := NewInputs(since, 10)
	k := Key{1, 2}
	steps := []struct {
		start, ts int64
		v         Number
		mono      bool
		want      Number
		out       Outcome
	}{
		{start: 10, ts: 1001, v: Int(100), mono: true, want: Int(0), out: Baseline}, // started before: baseline
		{start: 10, ts: 1002, v: Int(130), mono: true, want: Int(30), out: Increase},
		{start: 10, ts: 1002, v: Int(500), mono: true, out: Stale},                    // same timestamp
		{start: 10, ts: 1003, v: Int(20), mono: true, want: Int(20), out: Increase},   // drop: reset
		{start: 1500, ts: 1004, v: Int(25), mono: true, want: Int(25), out: Increase}, // new start: reset
		{start: 1500, ts: 1005, v: Float(26.5), mono: true, want: Float(1.5), out: Increase},
	}
	for i, s := range steps {
		got, out := in.Number(k, s.start, s.ts, s.v, s.mono, s.ts)
		require.Equal(t, s.out, out, "step %d", i)
		if out != Stale {
			require.Equal(t, s.want, got, "step %d", i)
		}
	}
	// non-monotonic: a decrease is a negative increase, not a reset
	nm := Key{3}
	_, out := in.Number(nm, 10, 1001, Int(10), false, 0)
	require.Equal(t, Baseline, out)
	got, _ := in.Number(nm, 10, 1002, Int(4), false, 0)
	require.Equal(t, Int(-6), got)
	// born after since: the whole first value counts
	got, out = in.Number(Key{4}, since, 1001, Int(7), true, 0)
	require.Equal(t, Increase, out)
	require.Equal(t, Int(7), got)
}

func TestInputsBoundedAndExpire(t *testing.T) {
	in := NewInputs(0, 2)
	_, out := in.Number(Key{1}, 1, 10, Int(1), true, 100)
	require.Equal(t, Increase, out)
	in.Number(Key{2}, 1, 10, Int(1), true, 200)
	_, out = in.Number(Key{3}, 1, 10, Int(1), true, 300)
	require.Equal(t, Full, out)
	require.Equal(t, 2, in.Len())
	in.Expire(150)
	require.Equal(t, 1, in.Len())
	_, out = in.Number(Key{3}, 1, 10, Int(1), true, 300)
	require.Equal(t, Increase, out)
}

func TestInputsHistogramReset(t *testing.T) {
	in := NewInputs(1000, 10)
	k := Key{9}
	h := func(c ...uint64) *Histogram {
		var n uint64
		for _, x := range c {
			n += x
		}
		return &Histogram{Count: n, Bounds: []float64{1}, Counts: c, Merged: true}
	}
	_, out := in.Histogram(k, 1, 1, h(1, 1), 0)
	require.Equal(t, Baseline, out)
	d, _ := in.Histogram(k, 1, 2, h(2, 3), 0)
	require.Equal(t, []uint64{1, 2}, d.Counts)
	d, _ = in.Histogram(k, 1, 3, h(3, 1), 0) // a bucket went down: reset
	require.Equal(t, []uint64{3, 1}, d.Counts)
	d, _ = in.Histogram(k, 1, 4, &Histogram{Count: 5, Bounds: []float64{2}, Counts: []uint64{2, 3}, Merged: true}, 0) // new bounds: reset
	require.Equal(t, []uint64{2, 3}, d.Counts)
}
