package aggregationprocessor_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/intervalprocessor"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/processor/aggregationprocessor"
)

// The benchmarks run otelgate's aggregation processor and contrib's
// interval processor on the same input: batches of points for `series`
// distinct series of one metric (each point with service, pod and route
// attributes), cumulative monotonic sums or gauges. interval keeps the
// latest point per series; aggregation is configured for the same job
// (last per series) and for its usual one (increase, reduced to 10
// series by route).

const benchBatch = 1000

func batch(kind string, series, offset int, ts time.Time) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "checkout")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	var dps pmetric.NumberDataPointSlice
	if kind == "gauge" {
		m.SetName("queue.depth")
		dps = m.SetEmptyGauge().DataPoints()
	} else {
		m.SetName("http.requests")
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		dps = s.DataPoints()
	}
	dps.EnsureCapacity(benchBatch)
	for i := range min(benchBatch, series) {
		id := (offset + i) % series
		dp := dps.AppendEmpty()
		dp.SetStartTimestamp(pcommon.Timestamp(1))
		dp.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		dp.SetIntValue(ts.UnixNano()/1e6 + int64(id))
		a := dp.Attributes()
		a.PutStr("pod", fmt.Sprintf("pod-%06d", id))
		a.PutStr("route", fmt.Sprintf("/api/v%d", id%10))
		a.PutInt("code", 200)
	}
	return md
}

type candidate struct {
	name string
	make func(b *testing.B) processor.Metrics
}

func aggregation(outputs []string, groupBy []string) func(b *testing.B) processor.Metrics {
	return func(b *testing.B) processor.Metrics {
		b.Helper()
		f := aggregationprocessor.NewFactory()
		cfg := f.CreateDefaultConfig().(*aggregationprocessor.Config)
		cfg.Rules = []aggregationprocessor.RuleConfig{{
			Metrics: []string{"*"}, Interval: time.Hour, GroupBy: groupBy, Outputs: outputs,
			MaxSeries: 10_000_000, Temporality: aggregationprocessor.TemporalityDelta,
		}}
		cfg.MaxInputSeries = 10_000_000
		if err := cfg.Validate(); err != nil {
			b.Fatal(err)
		}
		p, err := f.CreateMetrics(context.Background(), processortest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
}

func interval(b *testing.B) processor.Metrics {
	b.Helper()
	f := intervalprocessor.NewFactory()
	cfg := f.CreateDefaultConfig().(*intervalprocessor.Config)
	cfg.Interval = time.Hour
	p, err := f.CreateMetrics(context.Background(), processortest.NewNopSettings(component.MustNewType("interval")), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func candidates(kind string) []candidate {
	cs := []candidate{
		{"contrib_interval", interval},
		{"aggregation_last", aggregation([]string{"last"}, nil)},
	}
	if kind == "cumulative_sum" {
		cs = append(cs, candidate{"aggregation_increase_by_route", aggregation([]string{"increase"}, []string{"route"})})
	} else {
		cs = append(cs, candidate{"aggregation_avg_by_route", aggregation([]string{"avg"}, []string{"route"})})
	}
	return cs
}

// BenchmarkThroughput: points/s taken in, 10,000 active series, batches of
// 1,000 points (the copy of the input batch is not timed).
func BenchmarkThroughput(b *testing.B) {
	const series = 10_000
	for _, kind := range []string{"cumulative_sum", "gauge"} {
		for _, c := range candidates(kind) {
			b.Run(kind+"/"+c.name, func(b *testing.B) {
				p := c.make(b)
				ctx := context.Background()
				now := time.Now().Truncate(time.Hour).Add(time.Minute)
				templates := make([]pmetric.Metrics, series/benchBatch)
				for i := range templates {
					templates[i] = batch(kind, series, i*benchBatch, now)
					if err := p.ConsumeMetrics(ctx, batch(kind, series, i*benchBatch, now)); err != nil {
						b.Fatal(err)
					}
				}
				md := pmetric.NewMetrics()
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					b.StopTimer()
					templates[i%len(templates)].CopyTo(md)
					ts := pcommon.NewTimestampFromTime(now.Add(time.Duration(i+1) * time.Millisecond))
					m := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
					var dps pmetric.NumberDataPointSlice
					if m.Type() == pmetric.MetricTypeSum {
						dps = m.Sum().DataPoints()
					} else {
						dps = m.Gauge().DataPoints()
					}
					for _, dp := range dps.All() {
						dp.SetTimestamp(ts)
					}
					b.StartTimer()
					if err := p.ConsumeMetrics(ctx, md); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)*benchBatch/b.Elapsed().Seconds(), "points/s")
			})
		}
	}
}

// BenchmarkMemoryPerSeries: heap bytes held per active series after
// taking in 100,000 distinct series (one point each), measured with
// runtime.ReadMemStats after a GC, with the input batches released.
func BenchmarkMemoryPerSeries(b *testing.B) {
	const series = 100_000
	for _, kind := range []string{"cumulative_sum", "gauge"} {
		for _, c := range candidates(kind) {
			b.Run(kind+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				var perSeries float64
				for range b.N {
					var before, after runtime.MemStats
					runtime.GC()
					runtime.GC()
					runtime.ReadMemStats(&before)
					p := c.make(b)
					ctx := context.Background()
					now := time.Now().Truncate(time.Hour).Add(time.Minute)
					for i := 0; i < series; i += benchBatch {
						if err := p.ConsumeMetrics(ctx, batch(kind, series, i, now)); err != nil {
							b.Fatal(err)
						}
					}
					runtime.GC()
					runtime.GC()
					runtime.ReadMemStats(&after)
					perSeries = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / series
					runtime.KeepAlive(p)
				}
				b.ReportMetric(perSeries, "heap-B/series")
			})
		}
	}
}

// BenchmarkThroughputInterleaved measures the same candidates as
// BenchmarkThroughput, but takes turns: each iteration feeds one batch to
// every candidate in turn and times each apart, so a change of load on a
// shared machine hits all of them alike. It reports points/s per candidate
// and each aggregation candidate's throughput as a multiple of interval's
// (x-vs-interval).
func BenchmarkThroughputInterleaved(b *testing.B) {
	const series = 10_000
	for _, kind := range []string{"cumulative_sum", "gauge"} {
		b.Run(kind, func(b *testing.B) {
			cs := candidates(kind)
			procs := make([]processor.Metrics, len(cs))
			ctx := context.Background()
			now := time.Now().Truncate(time.Hour).Add(time.Minute)
			templates := make([]pmetric.Metrics, series/benchBatch)
			for i := range templates {
				templates[i] = batch(kind, series, i*benchBatch, now)
			}
			for j, c := range cs {
				procs[j] = c.make(b)
				for i := range templates {
					if err := procs[j].ConsumeMetrics(ctx, batch(kind, series, i*benchBatch, now)); err != nil {
						b.Fatal(err)
					}
				}
			}
			elapsed := make([]time.Duration, len(cs))
			md := pmetric.NewMetrics()
			b.ResetTimer()
			for i := range b.N {
				ts := pcommon.NewTimestampFromTime(now.Add(time.Duration(i+1) * time.Millisecond))
				for j, p := range procs {
					b.StopTimer()
					templates[i%len(templates)].CopyTo(md)
					m := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
					var dps pmetric.NumberDataPointSlice
					if m.Type() == pmetric.MetricTypeSum {
						dps = m.Sum().DataPoints()
					} else {
						dps = m.Gauge().DataPoints()
					}
					for _, dp := range dps.All() {
						dp.SetTimestamp(ts)
					}
					b.StartTimer()
					start := time.Now()
					if err := p.ConsumeMetrics(ctx, md); err != nil {
						b.Fatal(err)
					}
					elapsed[j] += time.Since(start)
				}
			}
			b.StopTimer()
			rate := func(j int) float64 { return float64(b.N) * benchBatch / elapsed[j].Seconds() }
			for j, c := range cs {
				b.ReportMetric(rate(j), c.name+"-points/s")
				if j > 0 {
					b.ReportMetric(rate(j)/rate(0), c.name+"-x-vs-interval")
				}
			}
		})
	}
}
