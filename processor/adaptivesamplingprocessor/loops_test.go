package adaptivesamplingprocessor

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// waitUntil polls cond for up to 20 s (a generous bound for a loaded machine;
// nothing here asserts timing).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// The background loops run on the real clock: tail mode decides buffered
// traces by itself after decision_delay, and adaptive rates adjust by
// themselves every adjustment_interval.
func TestBackgroundLoops(t *testing.T) {
	t.Run("tail decisions", func(t *testing.T) {
		cfg := tailConfig(RuleConfig{Name: "all", Type: SamplerAlwaysSample})
		cfg.DecisionDelay = 20 * time.Millisecond
		cfg.TraceTimeout = 50 * time.Millisecond
		proc, p, sink := startTraces(t, cfg, nil)
		r := rand.New(rand.NewPCG(1, 1))
		withRoot := traceSpecs(randomTraceID(r), 2, false)
		noRoot := traceSpecs(randomTraceID(r), 2, false)[1:]
		feed(t, context.Background(), proc, append(withRoot, noRoot...))
		waitUntil(t, "both traces decided", func() bool { return sink.SpanCount() == 5 })
		if tr, sp := p.tail.buffered(); tr != 0 || sp != 0 {
			t.Fatalf("still buffered %d/%d", tr, sp)
		}
	})
	t.Run("adjustments", func(t *testing.T) {
		cfg := testConfig(RuleConfig{Name: "budget", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 100, FingerprintAttributes: []string{"route"}})
		cfg.AdjustmentInterval = 50 * time.Millisecond
		proc, p, _ := startTraces(t, cfg, nil)
		r := rand.New(rand.NewPCG(2, 2))
		// Traffic far above the budget of 5 spans per interval: the key's
		// probability falls below one once the loop has adjusted.
		waitUntil(t, "an adjustment", func() bool {
			specs := make([]spanSpec, 500)
			for i := range specs {
				specs[i] = spanSpec{traceID: randomTraceID(r), key: "/a"}
			}
			feed(t, context.Background(), proc, specs)
			b := p.rules[0].table.Busiest(1)
			return len(b) == 1 && b[0].Probability < 0.5
		})
	})
}
