package adaptivesamplingprocessor_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/probabilisticsamplerprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor"

	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"
)

const benchBatch = 1000

// benchTraces is one batch of single-span traces with random trace IDs and an
// empty tracestate, like spans fresh from SDKs.
func benchTraces(r *rand.Rand, spans, spansPerTrace int, tracestate string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	ss := rs.ScopeSpans().AppendEmpty()
	var id pcommon.TraceID
	for i := range spans {
		if i%spansPerTrace == 0 {
			for j := range id {
				id[j] = byte(r.Uint32())
			}
		}
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(id)
		s.SetSpanID(pcommon.SpanID{byte(i), byte(i >> 8), 1})
		if i%spansPerTrace != 0 {
			s.SetParentSpanID(pcommon.SpanID{9})
		}
		s.SetName("GET /api/cart")
		s.SetStartTimestamp(pcommon.Timestamp(1e18))
		s.SetEndTimestamp(pcommon.Timestamp(1e18 + 5e6))
		s.Attributes().PutStr("http.route", "/api/cart")
		s.Attributes().PutInt("http.status_code", 200)
		if tracestate != "" {
			s.TraceState().FromRaw(tracestate)
		}
	}
	return td
}

func newProcessor(b *testing.B, f processor.Factory, conf map[string]any) processor.Traces {
	b.Helper()
	return newProcessorTo(b, f, conf, consumertest.NewNop())
}

// keptCounter counts the spans a processor forwards.
type keptCounter struct {
	consumertest.Consumer
	spans atomic.Int64
}

func (k *keptCounter) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	k.spans.Add(int64(td.SpanCount()))
	return nil
}

func newProcessorTo(b *testing.B, f processor.Factory, conf map[string]any, next consumer.Traces) processor.Traces {
	b.Helper()
	cfg := f.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(conf).Unmarshal(cfg); err != nil {
		b.Fatal(err)
	}
	p, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(f.Type()), cfg, next)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

// benchConsume measures ConsumeTraces on copies of in (the copy is not timed).
// With kept set, it also reports the fraction of spans forwarded.
func benchConsume(b *testing.B, p processor.Traces, in ptrace.Traces, kept *keptCounter) {
	b.Helper()
	spans := in.SpanCount()
	work := make([]ptrace.Traces, 64)
	for i := range work {
		work[i] = ptrace.NewTraces()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		td := work[i%len(work)]
		in.CopyTo(td)
		b.StartTimer()
		if err := p.ConsumeTraces(context.Background(), td); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spans), "ns/span")
	if kept != nil {
		b.ReportMetric(float64(kept.spans.Load())/float64(b.N*spans), "kept/span")
	}
}

var (
	adaptive = adaptivesamplingprocessor.NewFactory()
	contribP = probabilisticsamplerprocessor.NewFactory()
	contribT = tailsamplingprocessor.NewFactory()
)

func tenPercent(extra map[string]any) map[string]any {
	m := map[string]any{"rules": []any{map[string]any{"name": "ten", "type": "probabilistic", "sampling_percentage": 10}}}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// BenchmarkConsistent compares consistent mode with contrib probabilistic_sampler
// at 10% on batches of 1000 spans with an empty incoming tracestate.
func BenchmarkConsistent(b *testing.B) {
	cases := []struct {
		name       string
		factory    processor.Factory
		conf       map[string]any
		tracestate string
	}{
		{"adaptive_sampling", adaptive, tenPercent(nil), ""},
		{"adaptive_sampling/no_rule_attribute", adaptive, tenPercent(map[string]any{"rule_attribute": ""}), ""},
		{"adaptive_sampling/adaptive_percentage", adaptive, map[string]any{"rules": []any{map[string]any{
			"name": "adaptive", "type": "adaptive_percentage", "goal_percentage": 10, "fingerprint_attributes": []any{"service.name", "http.route"}}}}, ""},
		// A budget below the benchmark's span rate (a few million spans per
		// second): the budget guard counts every kept span and re-plans
		// during the run; adjustments every second.
		{"adaptive_sampling/adaptive_throughput", adaptive, map[string]any{"adjustment_interval": "1s", "rules": []any{map[string]any{
			"name": "budget", "type": "adaptive_throughput", "goal_spans_per_second": 300000, "fingerprint_attributes": []any{"service.name", "http.route"}}}}, ""},
		{"adaptive_sampling/ottl_rule", adaptive, map[string]any{"rules": []any{
			map[string]any{"name": "errors", "conditions": []any{"status.code == STATUS_CODE_ERROR"}, "type": "always_sample"},
			map[string]any{"name": "ten", "type": "probabilistic", "sampling_percentage": 10}}}, ""},
		{"adaptive_sampling/incoming_tracestate", adaptive, tenPercent(nil), "vendor=abc"},
		{"probabilistic_sampler/hash_seed", contribP, map[string]any{"sampling_percentage": 10}, ""},
		{"probabilistic_sampler/proportional", contribP, map[string]any{"sampling_percentage": 10, "mode": "proportional"}, ""},
		{"probabilistic_sampler/proportional/incoming_tracestate", contribP, map[string]any{"sampling_percentage": 10, "mode": "proportional"}, "vendor=abc"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			kept := &keptCounter{Consumer: consumertest.NewNop()}
			p := newProcessorTo(b, c.factory, c.conf, kept)
			in := benchTraces(rand.New(rand.NewPCG(1, 2)), benchBatch, 1, c.tracestate)
			benchConsume(b, p, in, kept)
		})
	}
}

// BenchmarkTailBufferedMemory compares the heap retained per buffered span by
// tail mode and contrib tail_sampling with an equivalent probabilistic policy,
// for 20000 traces of 5 spans waiting for their decision. It measures one
// ingestion whatever b.N (the result is a memory figure, not a time), so any
// -benchtime gives the same run; ns/op is not reported.
func BenchmarkTailBufferedMemory(b *testing.B) {
	const traces, perTrace = 20000, 5
	cases := []struct {
		name    string
		factory processor.Factory
		conf    map[string]any
	}{
		{"adaptive_sampling", adaptive, tenPercent(map[string]any{
			"mode": "tail", "num_traces": 100000, "trace_timeout": "1h", "decision_delay": "1h"})},
		{"tail_sampling", contribT, map[string]any{
			"num_traces": 100000, "decision_wait": "1h",
			"policies": []any{map[string]any{"name": "ten", "type": "probabilistic", "probabilistic": map[string]any{"sampling_percentage": 10}}}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			p := newProcessor(b, c.factory, c.conf)
			r := rand.New(rand.NewPCG(1, 7))
			// The heap before the input exists: the input is released before
			// the second measurement, so the difference is what the processor holds.
			before := heapInUse()
			batches := make([]ptrace.Traces, 0, traces*perTrace/benchBatch)
			for j := 0; j < traces*perTrace; j += benchBatch {
				batches = append(batches, benchTraces(r, benchBatch, perTrace, ""))
			}
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			for i, td := range batches {
				if err := p.ConsumeTraces(context.Background(), td); err != nil {
					b.Fatal(err)
				}
				batches[i] = ptrace.Traces{} // release the input
			}
			// tail_sampling ingests asynchronously: let its workers drain.
			time.Sleep(300 * time.Millisecond)
			runtime.ReadMemStats(&ms1)
			after := heapInUse()
			runtime.KeepAlive(p)
			b.ReportMetric(float64(after-before)/(traces*perTrace), "heap-B/buffered-span")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/(traces*perTrace), "alloc-B/span")
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/(traces*perTrace), "allocs/span")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
