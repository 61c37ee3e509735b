package window

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBucketsDownscaleNegativeOffsets(t *testing.T) {
	// indexes -3..2 at scale s; by 1: -3>>1=-2, -2>>1=-1, -1>>1=-1, 0>>1=0, 1>>1=0, 2>>1=1
	b := Buckets{Offset: -3, Counts: []uint64{1, 2, 3, 4, 5, 6}}
	b.downscale(1)
	require.Equal(t, int32(-2), b.Offset)
	require.Equal(t, []uint64{1, 5, 9, 6}, b.Counts)
	// by 2 from the original: -3>>2=-1, -2>>2=-1, -1>>2=-1, 0..2>>2=0
	c := Buckets{Offset: -3, Counts: []uint64{1, 2, 3, 4, 5, 6}}
	c.downscale(2)
	require.Equal(t, int32(-1), c.Offset)
	require.Equal(t, []uint64{6, 15}, c.Counts)
}

func TestBucketsAddWidens(t *testing.T) {
	b := Buckets{Offset: 5, Counts: []uint64{1, 1}}
	b.add(Buckets{Offset: 2, Counts: []uint64{3}})
	b.add(Buckets{Offset: 9, Counts: []uint64{4}})
	require.Equal(t, int32(2), b.Offset)
	require.Equal(t, []uint64{3, 0, 0, 1, 1, 0, 0, 4}, b.Counts)
}

// mass returns the bucket counts of h downscaled to scale s, by index.
func mass(h *ExpHistogram, s int32) (pos, neg map[int32]uint64) {
	c := h.Clone()
	c.downscaleTo(s)
	pos, neg = map[int32]uint64{}, map[int32]uint64{}
	for i, n := range c.Pos.Counts {
		if n > 0 {
			pos[c.Pos.Offset+int32(i)] += n
		}
	}
	for i, n := range c.Neg.Counts {
		if n > 0 {
			neg[c.Neg.Offset+int32(i)] += n
		}
	}
	return pos, neg
}

func randomExp(rng *rand.Rand) *ExpHistogram {
	h := &ExpHistogram{Scale: int32(rng.IntN(8) - 3), ZeroCount: uint64(rng.IntN(3)), HasSum: true, Sum: float64(rng.IntN(100)), Merged: true}
	for _, b := range []*Buckets{&h.Pos, &h.Neg} {
		if rng.IntN(4) == 0 {
			continue
		}
		b.Offset = int32(rng.IntN(400) - 200)
		b.Counts = make([]uint64, 1+rng.IntN(30))
		for i := range b.Counts {
			b.Counts[i] = uint64(rng.IntN(4))
		}
	}
	h.Count = h.ZeroCount
	for _, c := range append(append([]uint64{}, h.Pos.Counts...), h.Neg.Counts...) {
		h.Count += c
	}
	return h
}

// TestExpHistogramAddPreservesMass merges random exponential histograms of
// different scales and offsets and checks, at the merged scale, that every
// bucket holds exactly the sum of what the inputs put there, that the zero
// and total counts add up, and that no range exceeds MaxExpBuckets.
func TestExpHistogramAddPreservesMass(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		var in []*ExpHistogram
		var got ExpHistogram
		for range 1 + rng.IntN(6) {
			h := randomExp(rng)
			in = append(in, h)
			got.Add(h)
		}
		wantPos, wantNeg := map[int32]uint64{}, map[int32]uint64{}
		var zero, count uint64
		var sum float64
		for _, h := range in {
			require.GreaterOrEqual(t, h.Scale, got.Scale)
			p, n := mass(h, got.Scale)
			for k, v := range p {
				wantPos[k] += v
			}
			for k, v := range n {
				wantNeg[k] += v
			}
			zero += h.ZeroCount
			count += h.Count
			sum += h.Sum
		}
		gp, gn := mass(&got, got.Scale)
		require.Equal(t, wantPos, gp, "seed %d positive", seed)
		require.Equal(t, wantNeg, gn, "seed %d negative", seed)
		require.Equal(t, zero, got.ZeroCount)
		require.Equal(t, count, got.Count)
		require.Equal(t, sum, got.Sum)
		require.LessOrEqual(t, len(got.Pos.Counts), MaxExpBuckets)
		require.LessOrEqual(t, len(got.Neg.Counts), MaxExpBuckets)
	}
}

func TestExpHistogramZeroThresholdRaise(t *testing.T) {
	// scale 0: bucket i covers (2^i, 2^(i+1)]; threshold 4 swallows buckets 0 and 1
	a := &ExpHistogram{Scale: 0, Count: 6, Pos: Buckets{Offset: 0, Counts: []uint64{1, 2, 3}}, Merged: true}
	b := &ExpHistogram{Scale: 0, Count: 1, ZeroThreshold: 4, ZeroCount: 1, Merged: true}
	var got ExpHistogram
	got.Add(a)
	got.Add(b)
	require.Equal(t, 4.0, got.ZeroThreshold)
	require.Equal(t, uint64(1+1+2), got.ZeroCount)
	require.Equal(t, int32(2), got.Pos.Offset)
	require.Equal(t, []uint64{3}, got.Pos.Counts)
	require.Equal(t, uint64(7), got.Count)
}

func TestExpHistogramSub(t *testing.T) {
	prev := &ExpHistogram{Scale: 2, Count: 3, ZeroCount: 1, Pos: Buckets{Offset: 4, Counts: []uint64{1, 1}}, Merged: true}
	// the series downscaled to 1 since: 4,5 -> 2
	cur := &ExpHistogram{Scale: 1, Count: 7, ZeroCount: 2, Pos: Buckets{Offset: 2, Counts: []uint64{3, 2}}, Merged: true}
	d, ok := cur.Sub(prev)
	require.True(t, ok)
	require.Equal(t, int32(1), d.Scale)
	require.Equal(t, uint64(4), d.Count)
	require.Equal(t, uint64(1), d.ZeroCount)
	require.Equal(t, []uint64{1, 2}, d.Pos.Counts)
	// a bucket went down: reset
	_, ok = (&ExpHistogram{Scale: 1, Count: 9, ZeroCount: 2, Pos: Buckets{Offset: 3, Counts: []uint64{9}}}).Sub(prev)
	require.False(t, ok)
}

// TestExpHistogramAddFarApartStaysBounded: two ranges at opposite ends of
// the float64 range at scale 20 merge into at most MaxExpBuckets buckets per
// range without losing any count.
func TestExpHistogramAddFarApartStaysBounded(t *testing.T) {
	const top = maxExpIndex0<<20 - 10
	a := &ExpHistogram{Scale: 20, Count: 3, Pos: Buckets{Offset: -top, Counts: []uint64{1, 2}}, Merged: true}
	b := &ExpHistogram{Scale: 20, Count: 4, Pos: Buckets{Offset: top, Counts: []uint64{4}}, Neg: Buckets{Offset: top - 5, Counts: []uint64{0, 0}}, Merged: true}
	require.True(t, ValidRange(a.Scale, a.Pos.Offset, len(a.Pos.Counts)))
	require.True(t, ValidRange(b.Scale, b.Pos.Offset, len(b.Pos.Counts)))
	var h ExpHistogram
	h.Add(a)
	h.Add(b)
	require.LessOrEqual(t, len(h.Pos.Counts), MaxExpBuckets)
	require.GreaterOrEqual(t, h.Scale, int32(MinExpScale))
	var n uint64
	for _, c := range h.Pos.Counts {
		n += c
	}
	require.Equal(t, uint64(7), n)
	require.Equal(t, uint64(7), h.Count)
}

func TestValidRange(t *testing.T) {
	require.True(t, ValidRange(0, -1075, 2000))
	require.False(t, ValidRange(0, -2000, 1))
	require.False(t, ValidRange(20, math.MaxInt32-1, 5))
	require.False(t, ValidRange(-10, 3, 1))
	require.True(t, ValidRange(-10, -1, 3))
	require.True(t, ValidRange(5, math.MinInt32, 0))
}
