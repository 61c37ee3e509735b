package attributefilterprocessor

import (
	"slices"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatautil"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/cardinality"
)

// collider finds the points of one metric that became the same series after
// overflow replacement. A colliding group holds points with equal attributes
// now that came from more than one original series.
type collider struct {
	orig      [][16]byte // attributes hash before replacement
	now       [][16]byte // attributes hash after replacement
	rewritten []bool
	groups    [][]int // indexes in batch order
	drop      []bool
	merged    int64
	collided  int64
}

func newCollider(n int) *collider {
	return &collider{orig: make([][16]byte, n), now: make([][16]byte, n), rewritten: make([]bool, n), drop: make([]bool, n)}
}

// rewrite records the original series of point i before its first replacement.
func (c *collider) rewrite(i int, attrs pcommon.Map) {
	if !c.rewritten[i] {
		c.rewritten[i] = true
		c.orig[i] = pdatautil.MapHash(attrs)
	}
}

// group finds the colliding groups.
func (c *collider) group(at func(int) point) {
	byNew := map[[16]byte][]int{}
	var order [][16]byte
	for i := range c.orig {
		h := pdatautil.MapHash(at(i).Attributes())
		c.now[i] = h
		if !c.rewritten[i] {
			c.orig[i] = h
		}
		if _, ok := byNew[h]; !ok {
			order = append(order, h)
		}
		byNew[h] = append(byNew[h], i)
	}
	for _, h := range order {
		g := byNew[h]
		if len(g) < 2 {
			continue
		}
		for _, i := range g[1:] {
			if c.orig[i] != c.orig[g[0]] {
				c.groups = append(c.groups, g)
				break
			}
		}
	}
}

// byWindow splits a group into runs of points with the same start and end
// time: only those describe the same interval and may be added.
func byWindow[P point](g []int, at func(int) P) [][]int {
	type window struct{ start, end pcommon.Timestamp }
	idx := map[window]int{}
	var out [][]int
	for _, i := range g {
		p := at(i)
		w := window{p.StartTimestamp(), p.Timestamp()}
		j, ok := idx[w]
		if !ok {
			j = len(out)
			idx[w] = j
			out = append(out, nil)
		}
		out[j] = append(out[j], i)
	}
	return out
}

// removeMarked removes the points marked in c.drop and adds the counts to st.
func removeMarked[P point, S pointSlice[P]](dps S, c *collider, st *stats) {
	i := 0
	dps.RemoveIf(func(P) bool { d := c.drop[i]; i++; return d })
	st.merged += c.merged
	st.collided += c.collided
}

// mergeGauge keeps, in each colliding group, the point with the latest
// timestamp (the later one in the batch on a tie).
func mergeGauge(dps pmetric.NumberDataPointSlice, c *collider) {
	for _, g := range c.groups {
		last := g[0]
		for _, i := range g[1:] {
			if dps.At(i).Timestamp() >= dps.At(last).Timestamp() {
				last = i
			}
		}
		for _, i := range g {
			if i != last {
				c.drop[i] = true
				c.merged++
			}
		}
	}
}

// mergeDeltaSum adds the points of a colliding group that cover the same interval.
func mergeDeltaSum(dps pmetric.NumberDataPointSlice, c *collider) {
	for _, g := range c.groups {
		for _, w := range byWindow(g, dps.At) {
			dst := dps.At(w[0])
			for _, i := range w[1:] {
				src := dps.At(i)
				if dst.ValueType() == pmetric.NumberDataPointValueTypeInt && src.ValueType() == pmetric.NumberDataPointValueTypeInt {
					dst.SetIntValue(dst.IntValue() + src.IntValue())
				} else {
					dst.SetDoubleValue(asDouble(dst) + asDouble(src))
				}
				src.Exemplars().MoveAndAppendTo(dst.Exemplars())
				c.drop[i] = true
				c.merged++
			}
		}
	}
}

func asDouble(p pmetric.NumberDataPoint) float64 {
	if p.ValueType() == pmetric.NumberDataPointValueTypeInt {
		return float64(p.IntValue())
	}
	return p.DoubleValue()
}

// mergeDeltaHistogram adds the points of a colliding group that cover the
// same interval with the same bucket bounds; a point with other bounds
// cannot be added exactly and is dropped.
func mergeDeltaHistogram(dps pmetric.HistogramDataPointSlice, c *collider) {
	for _, g := range c.groups {
		for _, w := range byWindow(g, dps.At) {
			dst := dps.At(w[0])
			for _, i := range w[1:] {
				src := dps.At(i)
				c.drop[i] = true
				if !slices.Equal(dst.ExplicitBounds().AsRaw(), src.ExplicitBounds().AsRaw()) ||
					dst.BucketCounts().Len() != src.BucketCounts().Len() {
					c.collided++
					continue
				}
				c.merged++
				for b := 0; b < dst.BucketCounts().Len(); b++ {
					dst.BucketCounts().SetAt(b, dst.BucketCounts().At(b)+src.BucketCounts().At(b))
				}
				mergeStats(histogramStats{dst}, histogramStats{src})
				src.Exemplars().MoveAndAppendTo(dst.Exemplars())
			}
		}
	}
}

// mergeDeltaExpHistogram adds the points of a colliding group that cover the
// same interval with the same scale and zero threshold; others are dropped.
func mergeDeltaExpHistogram(dps pmetric.ExponentialHistogramDataPointSlice, c *collider) {
	for _, g := range c.groups {
		for _, w := range byWindow(g, dps.At) {
			dst := dps.At(w[0])
			for _, i := range w[1:] {
				src := dps.At(i)
				c.drop[i] = true
				if dst.Scale() != src.Scale() || dst.ZeroThreshold() != src.ZeroThreshold() ||
					!fitBuckets(dst.Positive(), src.Positive()) || !fitBuckets(dst.Negative(), src.Negative()) {
					c.collided++
					continue
				}
				c.merged++
				dst.SetZeroCount(dst.ZeroCount() + src.ZeroCount())
				addBuckets(dst.Positive(), src.Positive())
				addBuckets(dst.Negative(), src.Negative())
				mergeStats(expHistogramStats{dst}, expHistogramStats{src})
				src.Exemplars().MoveAndAppendTo(dst.Exemplars())
			}
		}
	}
}

// maxMergedBuckets bounds the bucket array a merge may build: offsets far
// apart (malformed or hostile input) must not make the merge allocate gigabytes.
const maxMergedBuckets = 1 << 14

// fitBuckets reports whether the index ranges of dst and src together span at
// most maxMergedBuckets buckets.
func fitBuckets(dst, src pmetric.ExponentialHistogramDataPointBuckets) bool {
	if dst.BucketCounts().Len() == 0 || src.BucketCounts().Len() == 0 {
		return true
	}
	lo := min(int64(dst.Offset()), int64(src.Offset()))
	hi := max(int64(dst.Offset())+int64(dst.BucketCounts().Len()), int64(src.Offset())+int64(src.BucketCounts().Len()))
	return hi-lo <= maxMergedBuckets
}

// addBuckets adds src's bucket counts into dst, widening dst's index range as needed.
func addBuckets(dst, src pmetric.ExponentialHistogramDataPointBuckets) {
	if src.BucketCounts().Len() == 0 {
		return
	}
	if dst.BucketCounts().Len() == 0 {
		src.CopyTo(dst)
		return
	}
	lo := min(dst.Offset(), src.Offset())
	hi := max(dst.Offset()+int32(dst.BucketCounts().Len()), src.Offset()+int32(src.BucketCounts().Len()))
	counts := make([]uint64, hi-lo)
	for i, n := range dst.BucketCounts().All() {
		counts[int32(i)+dst.Offset()-lo] += n
	}
	for i, n := range src.BucketCounts().All() {
		counts[int32(i)+src.Offset()-lo] += n
	}
	dst.SetOffset(lo)
	dst.BucketCounts().FromRaw(counts)
}

// dropCumulative keeps each cumulative overflow series fed by one original
// series per window: cumulative values of different series cannot be added
// without state, and alternating between them would make a wrong running
// total. The first original series to report under an overflow series owns
// it (seriesOf names the overflow series across batches); the points of
// every other series are dropped and counted. A point whose own value already
// was the overflow value keeps its series: rewritten points colliding with it
// in the batch are dropped too.
func dropCumulative(c *collider, state *cardinality.Metric, seriesOf func(now [16]byte) uint64) {
	for _, g := range c.groups {
		native := false
		for _, i := range g {
			native = native || !c.rewritten[i]
		}
		if !native {
			continue
		}
		for _, i := range g {
			if c.rewritten[i] {
				c.drop[i] = true
				c.collided++
			}
		}
	}
	for i := range c.orig {
		if c.rewritten[i] && !c.drop[i] && !state.Own(seriesOf(c.now[i]), c.orig[i]) {
			c.drop[i] = true
			c.collided++
		}
	}
}

// distribution is what histogram kinds share for count, sum, min and max.
type distribution interface {
	count() uint64
	setCount(uint64)
	sum() (float64, bool)
	setSum(float64)
	removeSum()
	min() (float64, bool)
	setMin(float64)
	removeMin()
	max() (float64, bool)
	setMax(float64)
	removeMax()
}

// mergeStats adds src's count and sum into dst and widens min and max. A
// sum, min or max known on only one side is removed rather than guessed.
func mergeStats(dst, src distribution) {
	dst.setCount(dst.count() + src.count())
	ds, dok := dst.sum()
	ss, sok := src.sum()
	if dok && sok {
		dst.setSum(ds + ss)
	} else {
		dst.removeSum()
	}
	dm, dok := dst.min()
	sm, sok := src.min()
	if dok && sok {
		dst.setMin(min(dm, sm))
	} else {
		dst.removeMin()
	}
	dx, dok := dst.max()
	sx, sok := src.max()
	if dok && sok {
		dst.setMax(max(dx, sx))
	} else {
		dst.removeMax()
	}
}

type histogramStats struct{ p pmetric.HistogramDataPoint }

func (h histogramStats) count() uint64        { return h.p.Count() }
func (h histogramStats) setCount(n uint64)    { h.p.SetCount(n) }
func (h histogramStats) sum() (float64, bool) { return h.p.Sum(), h.p.HasSum() }
func (h histogramStats) setSum(v float64)     { h.p.SetSum(v) }
func (h histogramStats) removeSum()           { h.p.RemoveSum() }
func (h histogramStats) min() (float64, bool) { return h.p.Min(), h.p.HasMin() }
func (h histogramStats) setMin(v float64)     { h.p.SetMin(v) }
func (h histogramStats) removeMin()           { h.p.RemoveMin() }
func (h histogramStats) max() (float64, bool) { return h.p.Max(), h.p.HasMax() }
func (h histogramStats) setMax(v float64)     { h.p.SetMax(v) }
func (h histogramStats) removeMax()           { h.p.RemoveMax() }

type expHistogramStats struct {
	p pmetric.ExponentialHistogramDataPoint
}

func (h expHistogramStats) count() uint64        { return h.p.Count() }
func (h expHistogramStats) setCount(n uint64)    { h.p.SetCount(n) }
func (h expHistogramStats) sum() (float64, bool) { return h.p.Sum(), h.p.HasSum() }
func (h expHistogramStats) setSum(v float64)     { h.p.SetSum(v) }
func (h expHistogramStats) removeSum()           { h.p.RemoveSum() }
func (h expHistogramStats) min() (float64, bool) { return h.p.Min(), h.p.HasMin() }
func (h expHistogramStats) setMin(v float64)     { h.p.SetMin(v) }
func (h expHistogramStats) removeMin()           { h.p.RemoveMin() }
func (h expHistogramStats) max() (float64, bool) { return h.p.Max(), h.p.HasMax() }
func (h expHistogramStats) setMax(v float64)     { h.p.SetMax(v) }
func (h expHistogramStats) removeMax()           { h.p.RemoveMax() }
