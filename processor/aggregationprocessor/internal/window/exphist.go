package window

import (
	"math"
	"slices"
)

// MaxExpBuckets bounds the positive and the negative bucket ranges of a
// merged exponential histogram: merging downscales further until each range
// fits (the OpenTelemetry SDK default size).
const MaxExpBuckets = 160

// MinExpScale and MaxExpScale are the smallest and largest scales of the
// exponential histogram format.
const (
	MinExpScale = -10
	MaxExpScale = 20
)

// Buckets is one range of exponential histogram buckets: Counts[i] counts
// the bucket with index Offset+i.
type Buckets struct {
	Offset int32
	Counts []uint64
}

// ExpHistogram is an exponential histogram point as plain values.
type ExpHistogram struct {
	Count         uint64
	Sum           float64
	HasSum        bool
	Min           float64
	HasMin        bool
	Max           float64
	HasMax        bool
	Scale         int32
	ZeroCount     uint64
	ZeroThreshold float64
	Pos           Buckets
	Neg           Buckets
	// Merged is set once a point has been added.
	Merged bool
}

// Clone returns a deep copy.
func (h *ExpHistogram) Clone() *ExpHistogram {
	c := *h
	c.Pos.Counts = slices.Clone(h.Pos.Counts)
	c.Neg.Counts = slices.Clone(h.Neg.Counts)
	return &c
}

// downscale lowers the resolution of b by `by` scale steps: bucket index i
// becomes i >> by (an arithmetic shift, so negative indexes floor).
func (b *Buckets) downscale(by int32) {
	if by <= 0 || len(b.Counts) == 0 {
		return
	}
	first := b.Offset >> by
	lastIdx := (b.Offset + int32(len(b.Counts)) - 1) >> by
	out := make([]uint64, lastIdx-first+1)
	for i, c := range b.Counts {
		out[((b.Offset+int32(i))>>by)-first] += c
	}
	b.Offset, b.Counts = first, out
}

// add adds o (at the same scale) into b, widening b's range as needed.
func (b *Buckets) add(o Buckets) {
	if len(o.Counts) == 0 {
		return
	}
	if len(b.Counts) == 0 {
		b.Offset, b.Counts = o.Offset, slices.Clone(o.Counts)
		return
	}
	lo := min(b.Offset, o.Offset)
	hi := max(b.Offset+int32(len(b.Counts)), o.Offset+int32(len(o.Counts)))
	if lo != b.Offset || hi != b.Offset+int32(len(b.Counts)) {
		out := make([]uint64, hi-lo)
		copy(out[b.Offset-lo:], b.Counts)
		b.Offset, b.Counts = lo, out
	}
	base := o.Offset - b.Offset
	for i, c := range o.Counts {
		b.Counts[base+int32(i)] += c
	}
}

// sub returns b - o (same scale) and false if any count would go negative.
func (b Buckets) sub(o Buckets) (Buckets, bool) {
	out := Buckets{Offset: b.Offset, Counts: slices.Clone(b.Counts)}
	for i, c := range o.Counts {
		if c == 0 {
			continue
		}
		j := o.Offset + int32(i) - b.Offset
		if j < 0 || int(j) >= len(out.Counts) || out.Counts[j] < c {
			return Buckets{}, false
		}
		out.Counts[j] -= c
	}
	return out, true
}

// span is the number of buckets an index range would need after
// downscaling by `by`.
func (b *Buckets) span(by int32) int32 {
	if len(b.Counts) == 0 {
		return 0
	}
	return ((b.Offset + int32(len(b.Counts)) - 1) >> by) - (b.Offset >> by) + 1
}

// unionSpan is the number of buckets the union of the ranges a and b (at
// one scale) would need after downscaling by `by`.
func unionSpan(a, b Buckets, by int32) int64 {
	switch {
	case len(a.Counts) == 0:
		return int64(b.span(by))
	case len(b.Counts) == 0:
		return int64(a.span(by))
	}
	lo := min(int64(a.Offset), int64(b.Offset)) >> by
	hi := max(int64(a.Offset)+int64(len(a.Counts)), int64(b.Offset)+int64(len(b.Counts))) - 1
	return hi>>by - lo + 1
}

// maxExpIndex0 bounds the bucket indexes of finite float64 values at scale
// 0: every finite value is below 2^1024 and every positive one above 2^-1075.
const maxExpIndex0 = 1100

// ValidRange reports whether the buckets [offset, offset+n) at scale can
// hold finite float64 values. Points outside it are invalid input: merging
// them could need unbounded bucket arrays.
func ValidRange(scale, offset int32, n int) bool {
	if n == 0 {
		return true
	}
	limit := int64(maxExpIndex0)
	if scale >= 0 {
		limit <<= scale
	} else {
		limit = limit>>(-scale) + 1
	}
	lo := int64(offset)
	hi := lo + int64(n) - 1
	return lo >= -limit && hi <= limit
}

func (h *ExpHistogram) downscaleTo(scale int32) {
	if scale >= h.Scale {
		return
	}
	by := h.Scale - scale
	h.Pos.downscale(by)
	h.Neg.downscale(by)
	h.Scale = scale
}

// upperBound is the upper boundary of bucket index i at scale s.
func upperBound(i int32, s int32) float64 {
	return math.Exp2(float64(i+1) * math.Exp2(-float64(s)))
}

// raiseZeroThreshold moves the buckets that lie entirely within the zero
// bucket [-t, t] into the zero count.
func (h *ExpHistogram) raiseZeroThreshold(t float64) {
	if t <= h.ZeroThreshold {
		return
	}
	h.ZeroThreshold = t
	for _, b := range []*Buckets{&h.Pos, &h.Neg} {
		n := 0
		for n < len(b.Counts) && upperBound(b.Offset+int32(n), h.Scale) <= t {
			h.ZeroCount += b.Counts[n]
			n++
		}
		b.Offset += int32(n)
		b.Counts = b.Counts[n:]
	}
}

// Add merges o into h: both go to the smaller of their scales (further
// down while a bucket range would exceed MaxExpBuckets), the zero threshold
// becomes the larger of the two.
func (h *ExpHistogram) Add(o *ExpHistogram) {
	if !h.Merged {
		*h = *o.Clone()
		h.Merged = true
		h.fit()
		return
	}
	o = o.Clone()
	zt := max(h.ZeroThreshold, o.ZeroThreshold)
	scale := min(h.Scale, o.Scale)
	h.downscaleTo(scale)
	o.downscaleTo(scale)
	// Go further down before adding while the union of the two ranges
	// would exceed MaxExpBuckets, so far-apart ranges never allocate more.
	by := int32(0)
	for scale-by > MinExpScale && (unionSpan(h.Pos, o.Pos, by) > MaxExpBuckets || unionSpan(h.Neg, o.Neg, by) > MaxExpBuckets) {
		by++
	}
	h.downscaleTo(scale - by)
	o.downscaleTo(scale - by)
	h.raiseZeroThreshold(zt)
	o.raiseZeroThreshold(zt)
	h.Pos.add(o.Pos)
	h.Neg.add(o.Neg)
	h.ZeroCount += o.ZeroCount
	h.Count += o.Count
	mergeSummary(&h.Sum, &h.HasSum, &h.Min, &h.HasMin, &h.Max, &h.HasMax, o.Sum, o.HasSum, o.Min, o.HasMin, o.Max, o.HasMax, false)
	h.fit()
}

// fit downscales until both bucket ranges fit MaxExpBuckets.
func (h *ExpHistogram) fit() {
	by := int32(0)
	for h.Scale-by > MinExpScale && (h.Pos.span(by) > MaxExpBuckets || h.Neg.span(by) > MaxExpBuckets) {
		by++
	}
	h.downscaleTo(h.Scale - by)
}

// Sub returns h - prev for two cumulative points of one series, at the
// smaller scale, and false when the difference shows a reset.
func (h *ExpHistogram) Sub(prev *ExpHistogram) (*ExpHistogram, bool) {
	if h.Count < prev.Count || h.ZeroCount < prev.ZeroCount || h.ZeroThreshold != prev.ZeroThreshold {
		return nil, false
	}
	a, b := h.Clone(), prev.Clone()
	scale := min(a.Scale, b.Scale)
	a.downscaleTo(scale)
	b.downscaleTo(scale)
	pos, ok := a.Pos.sub(b.Pos)
	if !ok {
		return nil, false
	}
	neg, ok := a.Neg.sub(b.Neg)
	if !ok {
		return nil, false
	}
	d := &ExpHistogram{
		Count: a.Count - b.Count, Scale: scale, ZeroCount: a.ZeroCount - b.ZeroCount,
		ZeroThreshold: a.ZeroThreshold, Pos: pos, Neg: neg, Merged: true,
	}
	if a.HasSum && b.HasSum {
		d.Sum, d.HasSum = a.Sum-b.Sum, true
	}
	return d, true
}
