package adaptivesamplingprocessor

import (
	"context"
	"math/rand/v2"
	"runtime"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The consistent-mode decision path (rule match, rate, tracestate parse,
// randomness, keep test, writing the precomputed ot=th into an empty
// tracestate) allocates nothing per span: what the walk allocates is per batch.
// Measured with the rule attribute off, which costs pdata's attribute insert on
// kept spans (see README "Performance").
func TestConsistentDecisionAllocatesNothingPerSpan(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations")
	}
	cfg := testConfig(
		RuleConfig{Name: "errors", Conditions: []string{`status.code == STATUS_CODE_ERROR`}, Type: SamplerAlwaysSample},
		RuleConfig{Name: "ten", Type: SamplerProbabilistic, SamplingPercentage: 10},
	)
	cfg.RuleAttribute = ""
	for _, name := range []string{"probabilistic", "adaptive_percentage", "adaptive_throughput"} {
		t.Run(name, func(t *testing.T) {
			switch name {
			case "adaptive_percentage":
				cfg.Rules[1] = RuleConfig{Name: "adaptive", Type: SamplerAdaptivePercentage, GoalPercentage: 10, FingerprintAttributes: []string{"service.name", "route"}}
			case "adaptive_throughput":
				// The budget guard counts kept spans and checks the budget per
				// batch; only its (rare) re-plans allocate.
				cfg.Rules[1] = RuleConfig{Name: "adaptive", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 100, FingerprintAttributes: []string{"service.name", "route"}}
			}
			_, p, _ := startTraces(t, cfg, nil)
			r := rand.New(rand.NewPCG(1, 1))
			const batches, perBatch = 20, 1000
			in := make([]ptrace.Traces, batches)
			for i := range in {
				specs := make([]spanSpec, perBatch)
				for j := range specs {
					specs[j] = spanSpec{traceID: randomTraceID(r), key: "/api"}
				}
				in[i] = buildTraces(specs)
			}
			// Warm up: the adaptive key is created on first sight.
			_, _ = p.processConsistent(context.Background(), buildTraces([]spanSpec{{traceID: randomTraceID(r), key: "/api"}}))
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			kept := 0
			for _, td := range in {
				out, _ := p.processConsistent(context.Background(), td)
				kept += out.SpanCount()
			}
			runtime.ReadMemStats(&after)
			allocs := after.Mallocs - before.Mallocs
			if kept == 0 || kept == batches*perBatch {
				t.Fatalf("degenerate sample: kept %d", kept)
			}
			// A few allocations per batch, none per span.
			if perSpan := float64(allocs) / (batches * perBatch); perSpan > 0.02 {
				t.Fatalf("%d allocations for %d spans (%.3f per span, %d kept)", allocs, batches*perBatch, perSpan, kept)
			}
			t.Logf("%d allocations for %d batches of %d spans", allocs, batches, perBatch)
		})
	}
}
