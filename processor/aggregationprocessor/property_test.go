package aggregationprocessor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// TestPropertyTotalsPreserved feeds random delta sums (int and double) and
// delta explicit-bucket and exponential histograms, split over random batches, label sets,
// windows (including late points) and flush times, through rules with a
// random label reduction and a small max_series (so overflow happens), and
// checks that the totals over every emitted window equal the input totals:
// exactly for integers, histogram counts and bucket counts, within 1e-9
// relative for doubles.
func TestPropertyTotalsPreserved(t *testing.T) {
	iterations := 200
	if testing.Short() {
		iterations = 40
	}
	for seed := range uint64(iterations) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { propertyRun(t, seed) })
	}
}

var bounds = []float64{1, 5, 25}

func propertyRun(t *testing.T, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	keys := []string{"a", "b", "c"}
	var groupBy []string
	for _, k := range keys {
		if rng.IntN(2) == 0 {
			groupBy = append(groupBy, k)
		}
	}
	if len(groupBy) == 0 {
		groupBy = []string{"a"}
	}
	interval := 10 * time.Second
	cfg := createDefaultConfig().(*Config)
	cfg.Rules = []RuleConfig{{
		Metrics: []string{"*"}, Interval: interval, GroupBy: groupBy,
		Outputs: []string{"sum", "histogram"}, MaxSeries: 1 + rng.IntN(8), Temporality: TemporalityDelta,
	}}
	if rng.IntN(4) == 0 {
		cfg.Rules[0].Temporality = TemporalityCumulative
	}
	require.NoError(t, cfg.Validate())
	c := &clock{t: base.Add(time.Second)}
	p, sink := newTestProcessor(t, cfg, c)

	var wantInt int64
	var wantFloat float64
	var wantCount uint64
	wantBuckets := make([]uint64, len(bounds)+1)
	var wantExp []pmetric.ExponentialHistogramDataPoint
	now := base.Add(time.Second)
	batches := 1 + rng.IntN(12)
	for range batches {
		md := pmetric.NewMetrics()
		for range 1 + rng.IntN(3) {
			rm := md.ResourceMetrics().AppendEmpty()
			rm.Resource().Attributes().PutStr("a", keys[rng.IntN(3)])
			sm := rm.ScopeMetrics().AppendEmpty()
			ints := sm.Metrics().AppendEmpty()
			ints.SetName("ints")
			is := ints.SetEmptySum()
			is.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			is.SetIsMonotonic(true)
			floats := sm.Metrics().AppendEmpty()
			floats.SetName("floats")
			fs := floats.SetEmptySum()
			fs.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			hist := sm.Metrics().AppendEmpty()
			hist.SetName("hist")
			hs := hist.SetEmptyHistogram()
			hs.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			exp := sm.Metrics().AppendEmpty()
			exp.SetName("exp")
			es := exp.SetEmptyExponentialHistogram()
			es.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			for range rng.IntN(20) {
				// stamped from two windows back to one window ahead of now
				ts := now.Add(time.Duration(rng.Int64N(int64(3*interval))) - 2*interval)
				v := rng.Int64N(1000)
				dp := is.DataPoints().AppendEmpty()
				dp.SetTimestamp(ts2pc(ts))
				dp.SetIntValue(v)
				putLabels(rng, keys, dp.Attributes())
				wantInt += v

				f := rng.Float64() * 1e3
				fdp := fs.DataPoints().AppendEmpty()
				fdp.SetTimestamp(ts2pc(ts))
				fdp.SetDoubleValue(f)
				putLabels(rng, keys, fdp.Attributes())
				wantFloat += f

				hdp := hs.DataPoints().AppendEmpty()
				hdp.SetTimestamp(ts2pc(ts))
				hdp.ExplicitBounds().FromRaw(bounds)
				var n uint64
				for i := range len(bounds) + 1 {
					c := uint64(rng.IntN(5))
					hdp.BucketCounts().Append(c)
					wantBuckets[i] += c
					n += c
				}
				hdp.SetCount(n)
				hdp.SetSum(float64(n))
				wantCount += n
				putLabels(rng, keys, hdp.Attributes())

				edp := es.DataPoints().AppendEmpty()
				edp.SetTimestamp(ts2pc(ts))
				randomExpPoint(rng, edp)
				putLabels(rng, keys, edp.Attributes())
				cp := pmetric.NewExponentialHistogramDataPoint()
				edp.CopyTo(cp) // the processor takes edp out of the batch
				wantExp = append(wantExp, cp)
			}
		}
		c.Set(now)
		require.NoError(t, p.ConsumeMetrics(t.Context(), md))
		if rng.IntN(2) == 0 {
			now = now.Add(time.Duration(rng.Int64N(int64(2 * interval))))
			require.NoError(t, p.flush(t.Context(), now, false))
		}
	}
	require.NoError(t, p.Shutdown(t.Context()))

	cumulative := cfg.Rules[0].Temporality == TemporalityCumulative
	var gotInt int64
	var gotFloat float64
	var gotCount uint64
	gotBuckets := make([]uint64, len(bounds)+1)
	// with cumulative temporality the last point of each series (and start
	// time: an idle series is forgotten and starts again) holds its total
	lastInt := map[string]int64{}
	lastFloat := map[string]float64{}
	lastHist := map[string]pmetric.HistogramDataPoint{}
	lastExp := map[string]pmetric.ExponentialHistogramDataPoint{}
	var gotExp []pmetric.ExponentialHistogramDataPoint
	for _, md := range sink.AllMetrics() {
		for _, rm := range md.ResourceMetrics().All() {
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					switch m.Name() {
					case "ints.sum":
						for _, dp := range m.Sum().DataPoints().All() {
							require.Equal(t, pmetric.NumberDataPointValueTypeInt, dp.ValueType())
							key := fmt.Sprint(rm.Resource().Attributes().AsRaw(), dp.Attributes().AsRaw(), dp.StartTimestamp())
							if cumulative {
								lastInt[key] = dp.IntValue()
							} else {
								gotInt += dp.IntValue()
							}
						}
					case "floats.sum":
						for _, dp := range m.Sum().DataPoints().All() {
							key := fmt.Sprint(rm.Resource().Attributes().AsRaw(), dp.Attributes().AsRaw(), dp.StartTimestamp())
							if cumulative {
								lastFloat[key] = dp.DoubleValue()
							} else {
								gotFloat += dp.DoubleValue()
							}
						}
					case "hist.histogram":
						for _, dp := range m.Histogram().DataPoints().All() {
							key := fmt.Sprint(rm.Resource().Attributes().AsRaw(), dp.Attributes().AsRaw(), dp.StartTimestamp())
							if cumulative {
								lastHist[key] = dp
								continue
							}
							gotCount += dp.Count()
							for i, c := range dp.BucketCounts().All() {
								gotBuckets[i] += c
							}
						}
					case "exp.histogram":
						for _, dp := range m.ExponentialHistogram().DataPoints().All() {
							key := fmt.Sprint(rm.Resource().Attributes().AsRaw(), dp.Attributes().AsRaw(), dp.StartTimestamp())
							if cumulative {
								lastExp[key] = dp
								continue
							}
							gotExp = append(gotExp, dp)
						}
					default:
						t.Fatalf("unexpected output metric %q", m.Name())
					}
				}
			}
		}
	}
	for _, v := range lastInt {
		gotInt += v
	}
	for _, v := range lastFloat {
		gotFloat += v
	}
	for _, dp := range lastHist {
		gotCount += dp.Count()
		for i, c := range dp.BucketCounts().All() {
			gotBuckets[i] += c
		}
	}
	for _, dp := range lastExp {
		gotExp = append(gotExp, dp)
	}
	require.Equal(t, wantInt, gotInt, "integer sum")
	wantMass, wantZero, wantN := expMass(wantExp, gotExp)
	gotMass, gotZero, gotN := expMass(gotExp, gotExp)
	require.Equal(t, wantN, gotN, "exponential histogram count")
	require.Equal(t, wantZero, gotZero, "exponential histogram zero count")
	require.Equal(t, wantMass, gotMass, "exponential histogram bucket counts at the smallest output scale")
	if wantFloat == 0 {
		require.Zero(t, gotFloat)
	} else {
		require.LessOrEqual(t, math.Abs(gotFloat-wantFloat)/wantFloat, 1e-9, "double sum: want %v got %v", wantFloat, gotFloat)
	}
	require.Equal(t, wantCount, gotCount, "histogram count")
	require.Equal(t, wantBuckets, gotBuckets, "histogram bucket counts")
}

func ts2pc(t time.Time) pcommon.Timestamp { return pcommon.NewTimestampFromTime(t) }

// putLabels sets a random subset of the label keys to random values.
func putLabels(rng *rand.Rand, keys []string, m pcommon.Map) {
	for _, k := range keys {
		if rng.IntN(3) > 0 {
			m.PutStr(k, fmt.Sprint(rng.IntN(4)))
		}
	}
}

// randomExpPoint fills dp with a random delta exponential histogram (zero
// threshold 0, so merging only downscales).
func randomExpPoint(rng *rand.Rand, dp pmetric.ExponentialHistogramDataPoint) {
	dp.SetScale(int32(rng.IntN(8) - 2))
	n := uint64(rng.IntN(3))
	dp.SetZeroCount(n)
	for _, b := range []pmetric.ExponentialHistogramDataPointBuckets{dp.Positive(), dp.Negative()} {
		if rng.IntN(4) == 0 {
			continue
		}
		b.SetOffset(int32(rng.IntN(100) - 50))
		for range 1 + rng.IntN(20) {
			c := uint64(rng.IntN(4))
			b.BucketCounts().Append(c)
			n += c
		}
	}
	dp.SetCount(n)
	dp.SetSum(float64(n))
}

// expMass adds up the points' counts, zero counts and bucket counts, the
// buckets downscaled to the smallest scale among ref (index i at scale s
// goes to i >> (s - smallest), positive and negative apart).
func expMass(dps, ref []pmetric.ExponentialHistogramDataPoint) (mass map[[2]int32]uint64, zero, count uint64) {
	scale := int32(math.MaxInt32)
	for _, dp := range ref {
		scale = min(scale, dp.Scale())
	}
	mass = map[[2]int32]uint64{}
	for _, dp := range dps {
		count += dp.Count()
		zero += dp.ZeroCount()
		for sign, b := range []pmetric.ExponentialHistogramDataPointBuckets{dp.Positive(), dp.Negative()} {
			for i, c := range b.BucketCounts().All() {
				if c > 0 {
					mass[[2]int32{int32(sign), (b.Offset() + int32(i)) >> (dp.Scale() - scale)}] += c
				}
			}
		}
	}
	return mass, zero, count
}
