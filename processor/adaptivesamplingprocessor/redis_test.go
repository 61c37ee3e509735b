package adaptivesamplingprocessor

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"

	"github.com/otelgate/otelgate/extension/samplingstateextension"
	"github.com/otelgate/otelgate/internal/redistest"
)

// redisStateHost is a host whose sampling_state extension uses the redis
// backend on addr.
func redisStateHost(tb testing.TB, addr string) (host, component.ID) {
	tb.Helper()
	f := samplingstateextension.NewFactory()
	cfg := f.CreateDefaultConfig().(*samplingstateextension.Config)
	cfg.Backend = samplingstateextension.BackendRedis
	cfg.Redis.Endpoint = addr
	cfg.Redis.Timeout = 200 * time.Millisecond
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	id := component.MustNewID("sampling_state")
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ext.Shutdown(context.Background()) })
	return host{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{id: ext}}, id
}

// redisProcessor starts a consistent-mode processor with a fleet-wide
// adaptive_throughput budget on a real redis-server, with its background
// loops running: adjustments every 500 ms, brake steps every 25 ms.
func redisProcessor(tb testing.TB) (*redistest.Server, processor.Traces, *tracesProcessor, *consumertest.TracesSink) {
	tb.Helper()
	srv := redistest.Start(tb)
	h, id := redisStateHost(tb, srv.Addr)
	cfg := testConfig(RuleConfig{Name: "budget", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 2000, FingerprintAttributes: []string{"route"}})
	cfg.AdjustmentInterval = 500 * time.Millisecond
	cfg.SharedState = &id
	cfg.SharedStateTimeout = 300 * time.Millisecond
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	sink := new(consumertest.TracesSink)
	var internal *tracesProcessor
	proc, err := newTracesProcessorWith(processortestSettings(), cfg, sink, func(p *tracesProcessor) { internal = p })
	if err != nil {
		tb.Fatal(err)
	}
	if err := proc.Start(context.Background(), h); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = proc.Shutdown(context.Background()) })
	return srv, proc, internal, sink
}

// batches returns n batches of 100 spans over 20 routes.
func batches(n int) []ptrace.Traces {
	r := rand.New(rand.NewPCG(41, 42))
	out := make([]ptrace.Traces, n)
	for i := range out {
		out[i] = buildTraces(zipfRoutes(r, 100))
	}
	return out
}

// consumeFor calls ConsumeTraces with fresh batches until d has passed and
// returns the duration of each call.
func consumeFor(tb testing.TB, proc processor.Traces, d time.Duration) []time.Duration {
	tb.Helper()
	var took []time.Duration
	for end := time.Now().Add(d); time.Now().Before(end); {
		for _, td := range batches(10) {
			start := time.Now()
			if err := proc.ConsumeTraces(context.Background(), td); err != nil {
				tb.Fatalf("ConsumeTraces: %v", err)
			}
			took = append(took, time.Since(start))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return took
}

// While redis-server is stopped (SIGSTOP: connections stay open, nothing
// answers) and after it was killed, ConsumeTraces keeps returning promptly:
// no call comes near the stall, although the background loops are blocked on
// the store (their calls fail by timeout) and decisions continue.
func TestDecisionsDoNotWaitOnRedis(t *testing.T) {
	srv, proc, p, sink := redisProcessor(t)
	consumeFor(t, proc, time.Second) // healthy: rates from the fleet
	for _, stall := range []struct {
		name        string
		start, stop func()
	}{
		{"paused", func() {
			if err := srv.Pause(); err != nil {
				t.Fatal(err)
			}
		}, func() { _ = srv.Resume() }},
		{"killed", srv.Kill, func() {}},
	} {
		errsBefore := p.sharedErrs.Load() + p.brakeErrs.Load()
		keptBefore := sink.SpanCount()
		stall.start()
		took := consumeFor(t, proc, 3*time.Second)
		stall.stop()
		slowest := slices.Max(took)
		errs := p.sharedErrs.Load() + p.brakeErrs.Load() - errsBefore
		kept := sink.SpanCount() - keptBefore
		t.Logf("redis %s for 3s: %d calls, slowest %v, %d failed store calls in the background, %d spans kept of %d",
			stall.name, len(took), slowest, errs, kept, 100*len(took))
		if errs == 0 {
			t.Fatalf("redis %s: no store call failed: the stall was not exercised", stall.name)
		}
		if kept == 0 || kept == 100*len(took) {
			t.Fatalf("redis %s: kept %d of %d spans: decisions did not continue from rates", stall.name, kept, 100*len(took))
		}
		// A generous bound, far below the 3 s stall and the store timeouts.
		if slowest >= 500*time.Millisecond {
			t.Fatalf("redis %s: a ConsumeTraces call took %v", stall.name, slowest)
		}
	}
}

// BenchmarkConsumeTracesRedis measures ConsumeTraces (100 spans per call,
// consistent mode, fleet budget on a real redis-server, adjustments every
// 500 ms and brake steps every 25 ms in the background) with the server
// healthy, paused (SIGSTOP) and killed, and reports the p99 latency of a call.
func BenchmarkConsumeTracesRedis(b *testing.B) {
	for _, state := range []string{"healthy", "paused", "killed"} {
		b.Run(state, func(b *testing.B) {
			srv, proc, _, _ := redisProcessor(b)
			tds := batches(64)
			// Warm up: the first adjustments read the fleet's counts.
			for i := range 200 {
				_ = proc.ConsumeTraces(context.Background(), cloneTraces(tds[i%len(tds)]))
			}
			switch state {
			case "paused":
				if err := srv.Pause(); err != nil {
					b.Fatal(err)
				}
				defer func() { _ = srv.Resume() }()
			case "killed":
				srv.Kill()
			}
			took := make([]time.Duration, 0, b.N)
			in := make([]ptrace.Traces, b.N)
			for i := range in {
				in[i] = cloneTraces(tds[i%len(tds)])
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if err := proc.ConsumeTraces(context.Background(), in[i]); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}

func cloneTraces(td ptrace.Traces) ptrace.Traces {
	out := ptrace.NewTraces()
	td.CopyTo(out)
	return out
}
