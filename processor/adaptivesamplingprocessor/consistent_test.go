package adaptivesamplingprocessor

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/threshold"
)

// feed sends n single-span traces in batches and returns the kept count.
func feed(t *testing.T, ctx context.Context, proc interface {
	ConsumeTraces(context.Context, ptrace.Traces) error
}, specs []spanSpec) {
	t.Helper()
	const batch = 1000
	for i := 0; i < len(specs); i += batch {
		if err := proc.ConsumeTraces(ctx, buildTraces(specs[i:min(i+batch, len(specs))])); err != nil {
			t.Fatal(err)
		}
	}
}

func TestProbabilisticTenPercent(t *testing.T) {
	proc, _, sink := startTraces(t, testConfig(RuleConfig{Name: "ten", Type: SamplerProbabilistic, SamplingPercentage: 10}), nil)
	r := rand.New(rand.NewPCG(10, 10))
	const n = 100000
	specs := make([]spanSpec, n)
	for i := range specs {
		specs[i] = spanSpec{traceID: randomTraceID(r)}
	}
	feed(t, context.Background(), proc, specs)

	kept := keptSpans(sink)
	if f := float64(len(kept)) / n; math.Abs(f-0.10) > 0.01 {
		t.Fatalf("kept %d of %d (%.4f), want 0.10 ± 0.01", len(kept), n, f)
	}
	for _, s := range kept {
		ts := s.TraceState().AsRaw()
		if ts != "ot=th:e666" {
			t.Fatalf("tracestate %q, want ot=th:e666", ts)
		}
		ot := threshold.ParseTraceState(ts)
		// 4 significant hex digits: |p - 0.1| <= 16^-4 / 2.
		if p := ot.Threshold.Probability(); math.Abs(p-0.1) > 1.0/(2*65536) {
			t.Fatalf("th decodes to %v", p)
		}
		if !ot.Threshold.ShouldSample(threshold.RandomnessFromTraceID(s.TraceID())) {
			t.Fatalf("kept span %v is below its own threshold", s.TraceID())
		}
		if attrStr(s, "sampling.rule") != "ten" {
			t.Fatalf("rule attribute %q", attrStr(s, "sampling.rule"))
		}
	}
}

func TestTwoInstancesMakeIdenticalDecisions(t *testing.T) {
	cfg := func() *Config {
		return testConfig(
			RuleConfig{Name: "checkout", Conditions: []string{`attributes["route"] == "/checkout"`}, Type: SamplerProbabilistic, SamplingPercentage: 30},
			RuleConfig{Name: "rest", Type: SamplerAdaptivePercentage, GoalPercentage: 5, FingerprintAttributes: []string{"route"}},
		)
	}
	procA, pa, sinkA := startTraces(t, cfg(), nil)
	procB, pb, sinkB := startTraces(t, cfg(), nil)
	r := rand.New(rand.NewPCG(1, 2))
	routes := []string{"/checkout", "/cart", "/cart", "/cart", "/home"}
	specs := make([]spanSpec, 20000)
	for i := range specs {
		specs[i] = spanSpec{traceID: randomTraceID(r), key: routes[r.IntN(len(routes))]}
	}
	// Both instances see the same traffic, adjust, then decide on the same
	// traces. (Replicas that see different shares of the traffic agree through
	// the shared state: TestSharedStateReplicasAgree.)
	feed(t, context.Background(), procA, specs)
	feed(t, context.Background(), procB, specs)
	pa.adjust(context.Background())
	pb.adjust(context.Background())
	probe := make([]spanSpec, 20000)
	for i := range probe {
		probe[i] = spanSpec{traceID: randomTraceID(r), key: routes[i%len(routes)]}
	}
	sinkA.Reset()
	sinkB.Reset()
	feed(t, context.Background(), procA, probe)
	feed(t, context.Background(), procB, probe)
	a, b := keptSpans(sinkA), keptSpans(sinkB)
	if len(a) == 0 || len(a) == len(probe) {
		t.Fatalf("degenerate sample: %d of %d", len(a), len(probe))
	}
	if len(a) != len(b) {
		t.Fatalf("instance A kept %d spans, B kept %d", len(a), len(b))
	}
	for i := range a {
		if a[i].TraceID() != b[i].TraceID() || a[i].TraceState().AsRaw() != b[i].TraceState().AsRaw() {
			t.Fatalf("span %d: A kept %v %q, B kept %v %q", i, a[i].TraceID(), a[i].TraceState().AsRaw(), b[i].TraceID(), b[i].TraceState().AsRaw())
		}
	}
}

func TestAdaptivePercentageSkewedMix(t *testing.T) {
	cfg := testConfig(RuleConfig{Name: "adaptive", Type: SamplerAdaptivePercentage, GoalPercentage: 10, FingerprintAttributes: []string{"route"}})
	proc, p, sink := startTraces(t, cfg, nil)
	r := rand.New(rand.NewPCG(7, 7))
	interval := func() []spanSpec {
		specs := make([]spanSpec, 40000)
		for i := range specs {
			key := "/busy" // 95%
			switch x := r.IntN(1000); {
			case x < 5:
				key = "/rare" // 0.5%
			case x < 50:
				key = "/other" // 4.5%
			}
			specs[i] = spanSpec{traceID: randomTraceID(r), key: key}
		}
		return specs
	}
	// Two intervals to converge, then three measured intervals.
	for range 2 {
		feed(t, context.Background(), proc, interval())
		p.adjust(context.Background())
	}
	sink.Reset()
	seen := map[string]int{}
	for range 3 {
		specs := interval()
		for _, s := range specs {
			seen[s.key]++
		}
		feed(t, context.Background(), proc, specs)
		p.adjust(context.Background())
	}
	kept := map[string]int{}
	total := 0
	for _, s := range keptSpans(sink) {
		kept[attrStr(s, "route")]++
		total++
	}
	all := seen["/busy"] + seen["/rare"] + seen["/other"]
	if f := float64(total) / float64(all); math.Abs(f-0.10) > 0.02 {
		t.Fatalf("kept %.4f overall, want 0.10 ± 0.02 (kept %v of %v)", f, kept, seen)
	}
	if f := float64(kept["/rare"]) / float64(seen["/rare"]); f < 0.5 {
		t.Fatalf("rare key kept %.3f of its traces, want >= 0.5", f)
	}
	t.Logf("kept fractions: busy %.3f other %.3f rare %.3f overall %.4f",
		float64(kept["/busy"])/float64(seen["/busy"]), float64(kept["/other"])/float64(seen["/other"]),
		float64(kept["/rare"])/float64(seen["/rare"]), float64(total)/float64(all))
}

// intervalFeed is the traffic one processor receives in an interval.
type intervalFeed struct {
	proc interface {
		ConsumeTraces(context.Context, ptrace.Traces) error
	}
	specs []spanSpec
}

// feedOverInterval spreads each feed's specs evenly over one adjustment
// interval of the fake clock, in at least 50 steps and batches of at most 1000
// spans: the clock advances before each step, as if the step's spans had
// arrived since the one before.
func feedOverInterval(t *testing.T, clock *testClock, interval time.Duration, feeds ...intervalFeed) {
	t.Helper()
	slices := 50
	for _, f := range feeds {
		slices = max(slices, (len(f.specs)+999)/1000)
	}
	for i := range slices {
		clock.Advance(interval / time.Duration(slices))
		for _, f := range feeds {
			per := (len(f.specs) + slices - 1) / slices
			if lo := i * per; lo < len(f.specs) {
				feed(t, context.Background(), f.proc, f.specs[lo:min(lo+per, len(f.specs))])
			}
		}
	}
}

// zipfRoutes returns n specs over 20 routes, route i with weight 1/(i+1).
func zipfRoutes(r *rand.Rand, n int) []spanSpec {
	specs := make([]spanSpec, n)
	for i := range specs {
		k := 0
		for x := r.Float64() * 3.6; k < 19 && x > 1/float64(k+1); k++ {
			x -= 1 / float64(k+1)
		}
		specs[i] = spanSpec{traceID: randomTraceID(r), key: fmt.Sprintf("/r%d", k)}
	}
	return specs
}

// throughputRun feeds intervals of the given sizes to an adaptive_throughput
// rule (100 spans/s over 10 s intervals: 1000 spans per interval), each spread
// over its interval of a fake clock, and returns the kept spans per interval
// and the rule's table. estimates are the input counts estimated from the kept
// spans' ot=th (the sum of 1/p) with their standard deviations (the root of
// the sum of (1/p)(1/p - 1)).
func throughputRun(t *testing.T, sizes []int) (kept []int, estimates [][2]float64, tab *sampler.Table) {
	t.Helper()
	cfg := testConfig(RuleConfig{Name: "budget", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 100, FingerprintAttributes: []string{"route"}})
	cfg.AdjustmentInterval = 10 * time.Second
	clock := newTestClock()
	proc, p, sink := startTracesClock(t, cfg, nil, clock)
	r := rand.New(rand.NewPCG(3, 5))
	for _, n := range sizes {
		sink.Reset()
		feedOverInterval(t, clock, cfg.AdjustmentInterval, intervalFeed{proc, zipfRoutes(r, n)})
		kept = append(kept, sink.SpanCount())
		var estimate, variance float64
		for _, s := range keptSpans(sink) {
			w := threshold.ParseTraceState(s.TraceState().AsRaw()).Threshold.AdjustedCount()
			estimate += w
			variance += w * (w - 1)
		}
		estimates = append(estimates, [2]float64{estimate, math.Sqrt(variance)})
		p.adjust(context.Background())
	}
	return kept, estimates, p.rules[0].table
}

// An adaptive_throughput budget converges within 5 intervals and holds, to
// within 10%, in every interval after that, including the interval in which the
// input volume steps up 5x: the budget guard tightens the rates within that
// interval; the next adjustment detects the step and restarts the averages.
func TestAdaptiveThroughputConvergesAndHoldsStep(t *testing.T) {
	sizes := []int{8000, 8000, 8000, 8000, 8000, 8000, 40000, 40000, 40000, 40000, 40000, 40000}
	kept, estimates, tab := throughputRun(t, sizes)
	t.Logf("kept per interval (budget 1000): %v; guard activations %d", kept, tab.GuardActivations())
	for i := 4; i < len(sizes); i++ {
		if math.Abs(float64(kept[i])-1000) > 100 {
			t.Fatalf("interval %d (%d spans) kept %d, want 1000 ± 10%%", i, sizes[i], kept[i])
		}
	}
	// Rates tightened within the step interval are written with the spans
	// they kept: the adjusted counts still estimate the input, within 4
	// standard deviations (a th that did not match the rate used would be off
	// by the tightening factor, about 5).
	for i, n := range sizes {
		if est, sd := estimates[i][0], estimates[i][1]; math.Abs(est-float64(n)) > 4*sd {
			t.Fatalf("interval %d: input estimated from ot=th %.0f ± %.0f, want %d", i, est, sd, n)
		}
	}
	t.Logf("input estimated from ot=th (estimate, sd): %v", estimates)
	if tab.GuardActivations() == 0 {
		t.Fatal("the 5x step did not activate the budget guard")
	}
}

// Without a step the guard stays out of the way: steady traffic converges on
// the rates of the adjustments alone, and the budget is not undershot.
func TestAdaptiveThroughputGuardQuietOnSteadyTraffic(t *testing.T) {
	sizes := []int{8000, 8000, 8000, 8000, 8000, 8000, 8000}
	kept, _, tab := throughputRun(t, sizes)
	before := tab.GuardActivations()
	t.Logf("kept per interval (budget 1000): %v; guard activations %d", kept, before)
	for i := 1; i < len(sizes); i++ {
		if math.Abs(float64(kept[i])-1000) > 100 {
			t.Fatalf("interval %d kept %d, want 1000 ± 10%%", i, kept[i])
		}
	}
	// Only the first interval (rate 1 before any adjustment) needs the guard.
	kept2, _, tab2 := throughputRun(t, sizes[:1])
	if tab2.GuardActivations() == 0 || math.Abs(float64(kept2[0])-1000) > 100 {
		t.Fatalf("first interval kept %d with %d guard activations, want 1000 ± 10%% by the guard", kept2[0], tab2.GuardActivations())
	}
	if before != tab2.GuardActivations() {
		t.Fatalf("steady intervals activated the guard: %d activations, %d in the first interval alone", before, tab2.GuardActivations())
	}
}

func TestIncomingStricterThresholdNeverLoosened(t *testing.T) {
	proc, _, sink := startTraces(t, testConfig(RuleConfig{Name: "half", Type: SamplerProbabilistic, SamplingPercentage: 50}), nil)
	r := rand.New(rand.NewPCG(4, 4))
	specs := make([]spanSpec, 20000)
	for i := range specs {
		specs[i] = spanSpec{traceID: randomTraceID(r)}
		switch i % 4 {
		case 0:
			specs[i].tracestate = "ot=th:f" // 1/16: stricter than ours
		case 1:
			specs[i].tracestate = "vendor=a,ot=th:4;x:y" // 3/4: looser, tightened to 1/2
		case 2:
			specs[i].tracestate = "ot=rv:fedcba98765432;th:c" // explicit randomness, 1/4
		}
	}
	feed(t, context.Background(), proc, specs)
	byOrigin := map[string]int{}
	for _, s := range keptSpans(sink) {
		ts := s.TraceState().AsRaw()
		ot := threshold.ParseTraceState(ts)
		if !ot.HasThreshold {
			t.Fatalf("kept span without th: %q", ts)
		}
		if ot.Threshold < 0x80000000000000 {
			t.Fatalf("threshold loosened below 1/2: %q", ts)
		}
		switch ts {
		case "ot=th:f", "ot=th:8", "ot=th:8;x:y,vendor=a", "ot=rv:fedcba98765432;th:c":
			byOrigin[ts]++
		default:
			t.Fatalf("unexpected tracestate %q", ts)
		}
	}
	// Expected kept fractions: 1/16, 1/2, 1/2 of each quarter; rv 0xfe... > th:c keeps all.
	q := float64(len(specs) / 4)
	check := func(ts string, want float64) {
		if f := float64(byOrigin[ts]) / q; math.Abs(f-want) > 0.03 {
			t.Errorf("%q: kept %.3f, want %.3f", ts, f, want)
		}
	}
	check("ot=th:f", 1.0/16)
	check("ot=th:8;x:y,vendor=a", 0.5)
	check("ot=th:8", 0.5)
	check("ot=rv:fedcba98765432;th:c", 1)
}

func TestConditionsFirstMatchWins(t *testing.T) {
	cfg := testConfig(
		RuleConfig{Name: "errors", Conditions: []string{`status.code == STATUS_CODE_ERROR`}, Type: SamplerAlwaysSample},
		RuleConfig{Name: "drop-health", Conditions: []string{`attributes["route"] == "/health"`}, Type: SamplerProbabilistic, SamplingPercentage: 0},
		RuleConfig{Name: "rest", Type: SamplerProbabilistic, SamplingPercentage: 1},
	)
	proc, _, sink := startTraces(t, cfg, nil)
	r := rand.New(rand.NewPCG(8, 8))
	specs := make([]spanSpec, 10000)
	errorsSent := 0
	for i := range specs {
		specs[i] = spanSpec{traceID: randomTraceID(r), key: []string{"/health", "/api"}[i%2], errorSpan: i%10 == 0}
		if specs[i].errorSpan {
			errorsSent++
		}
	}
	feed(t, context.Background(), proc, specs)
	byRule := map[string]int{}
	for _, s := range keptSpans(sink) {
		rule := attrStr(s, "sampling.rule")
		byRule[rule]++
		if rule == "errors" && s.TraceState().AsRaw() != "ot=th:0" {
			t.Fatalf("always_sample wrote %q", s.TraceState().AsRaw())
		}
		if rule != "errors" && attrStr(s, "route") == "/health" {
			t.Fatal("a /health span without error was kept")
		}
	}
	if byRule["errors"] != errorsSent {
		t.Fatalf("kept %d of %d error spans", byRule["errors"], errorsSent)
	}
	if byRule["rest"] == 0 || byRule["rest"] > 150 {
		t.Fatalf("rest kept %d of ~4500 at 1%%", byRule["rest"])
	}
}

func TestUnmatchedSpansPassUnchanged(t *testing.T) {
	cfg := testConfig(RuleConfig{Name: "only-api", Conditions: []string{`attributes["route"] == "/api"`}, Type: SamplerProbabilistic, SamplingPercentage: 0})
	proc, _, sink := startTraces(t, cfg, nil)
	r := rand.New(rand.NewPCG(9, 9))
	feed(t, context.Background(), proc, []spanSpec{{traceID: randomTraceID(r), key: "/api"}, {traceID: randomTraceID(r), key: "/other", tracestate: "a=b"}})
	kept := keptSpans(sink)
	if len(kept) != 1 || attrStr(kept[0], "route") != "/other" || kept[0].TraceState().AsRaw() != "a=b" {
		t.Fatalf("kept %d spans", len(kept))
	}
	if _, ok := kept[0].Attributes().Get("sampling.rule"); ok {
		t.Fatal("unmatched span annotated")
	}
}
