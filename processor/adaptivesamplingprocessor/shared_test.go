package adaptivesamplingprocessor

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/otelgate/otelgate/extension/samplingstateextension"
)

func sharedStateHost(t *testing.T) (host, component.ID) {
	t.Helper()
	f := samplingstateextension.NewFactory()
	id := component.MustNewID("sampling_state")
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), f.CreateDefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	return host{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{id: ext}}, id
}

// Two replicas each receive half of the traffic. Through the shared state they
// enforce one fleet-wide budget and make identical decisions.
func TestSharedStateReplicasAgree(t *testing.T) {
	h, id := sharedStateHost(t)
	cfg := func() *Config {
		c := testConfig(RuleConfig{Name: "budget", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 100, FingerprintAttributes: []string{"route"}})
		c.AdjustmentInterval = 10 * time.Second
		c.SharedState = &id
		return c
	}
	clock := newTestClock()
	procA, pa, sinkA := startTracesClock(t, cfg(), h, clock)
	procB, pb, sinkB := startTracesClock(t, cfg(), h, clock)

	r := rand.New(rand.NewPCG(11, 12))
	routes := []string{"/a", "/a", "/a", "/b", "/c"}
	interval := func() []spanSpec {
		specs := make([]spanSpec, 8000)
		for i := range specs {
			specs[i] = spanSpec{traceID: randomTraceID(r), key: routes[r.IntN(len(routes))]}
		}
		return specs
	}
	var keptA, keptB int
	for i := range 5 {
		specs := interval()
		sinkA.Reset()
		sinkB.Reset()
		feedOverInterval(t, clock, 10*time.Second, intervalFeed{procA, specs[:4000]}, intervalFeed{procB, specs[4000:]})
		keptA, keptB = sinkA.SpanCount(), sinkB.SpanCount()
		t.Logf("interval %d: kept A=%d B=%d fleet=%d (budget 1000)", i, keptA, keptB, keptA+keptB)
		pa.adjust(context.Background())
		pb.adjust(context.Background())
	}
	if fleet := keptA + keptB; math.Abs(float64(fleet)-1000) > 100 {
		t.Fatalf("fleet kept %d per interval, want 1000 ± 10%%", fleet)
	}
	// Same rates: the same traces get the same decisions on either replica.
	probe := interval()
	sinkA.Reset()
	sinkB.Reset()
	feed(t, context.Background(), procA, probe)
	feed(t, context.Background(), procB, probe)
	a, b := keptSpans(sinkA), keptSpans(sinkB)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("replica A kept %d, B kept %d", len(a), len(b))
	}
	for i := range a {
		if a[i].TraceID() != b[i].TraceID() || a[i].TraceState().AsRaw() != b[i].TraceState().AsRaw() {
			t.Fatalf("span %d differs between replicas", i)
		}
	}
	if pa.sharedErrs.Load() != 0 || pb.sharedErrs.Load() != 0 {
		t.Fatal("shared state errors")
	}
}

type failingStore struct{ component.Component }

func (failingStore) AddCounts(ctx context.Context, _ int64, _ map[string]int64) error {
	<-ctx.Done()
	return ctx.Err()
}

func (failingStore) MergedCounts(context.Context, int64) (map[string]int64, error) {
	return nil, errors.New("unreachable")
}

func TestSharedStateFailureFallsBackToLocalCounts(t *testing.T) {
	id := component.MustNewID("sampling_state")
	h := host{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{id: failingStore{}}}
	cfg := testConfig(RuleConfig{Name: "budget", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 100, FingerprintAttributes: []string{"route"}})
	cfg.AdjustmentInterval = 10 * time.Second
	cfg.SharedState = &id
	cfg.SharedStateTimeout = 10 * time.Millisecond
	clock := newTestClock()
	proc, p, sink := startTracesClock(t, cfg, h, clock)
	r := rand.New(rand.NewPCG(1, 1))
	for range 3 {
		specs := make([]spanSpec, 5000)
		for i := range specs {
			specs[i] = spanSpec{traceID: randomTraceID(r), key: "/a"}
		}
		sink.Reset()
		feedOverInterval(t, clock, cfg.AdjustmentInterval, intervalFeed{proc, specs})
		p.adjust(context.Background())
	}
	if got := p.sharedErrs.Load(); got != 3 {
		t.Fatalf("shared state errors counted %d, want 3", got)
	}
	// Local counts still drive the budget.
	if k := sink.SpanCount(); math.Abs(float64(k)-1000) > 100 {
		t.Fatalf("kept %d, want 1000 ± 10%%", k)
	}
}

func TestSharedStateMissingExtension(t *testing.T) {
	id := component.MustNewID("sampling_state")
	cfg := testConfig(RuleConfig{Name: "budget", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 100})
	cfg.SharedState = &id
	f := NewFactory()
	proc, err := newTracesProcessor(processortestSettings(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = proc.Start(context.Background(), componenttest.NewNopHost())
	if err == nil || err.Error() != `shared_state: extension "sampling_state" not found` {
		t.Fatalf("start error %v", err)
	}
	_ = f
}

// With a shared state, adjustments fall in the middle of the wall-clock
// intervals that number the shared counts, whatever the replica's start time.
func TestSharedStateAdjustmentsMidInterval(t *testing.T) {
	id := component.MustNewID("sampling_state")
	cfg := testConfig(RuleConfig{Name: "budget", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 100})
	cfg.AdjustmentInterval = 10 * time.Second
	cfg.SharedState = &id
	e, err := newRates(componenttest.NewNopTelemetrySettings(), component.MustNewID("adaptive_sampling"), cfg, "traces", true)
	if err != nil {
		t.Fatal(err)
	}
	defer e.shutdown()
	if got := e.untilAdjustment(time.Unix(1_000_000, 0)); got != 10*time.Second {
		t.Fatalf("without shared state: wait %v, want the interval", got)
	}
	e.store = failingStore{}
	iv := int64(cfg.AdjustmentInterval)
	r := rand.New(rand.NewPCG(3, 3))
	for range 1000 {
		now := time.Unix(0, int64(r.Uint64N(1<<62)))
		wait := e.untilAdjustment(now)
		at := now.Add(wait).UnixNano()
		if at%iv != iv/2 {
			t.Fatalf("now %v: adjustment at offset %v of its interval, want the middle", now, time.Duration(at%iv))
		}
		if wait <= cfg.AdjustmentInterval/10 || wait > cfg.AdjustmentInterval+cfg.AdjustmentInterval/10 {
			t.Fatalf("now %v: wait %v", now, wait)
		}
	}
}

// Processor instances and signals that share one store keep their counts apart:
// the traces and logs processors of one configuration each enforce their own
// budget from their own fleet-wide counts.
func TestSharedStateKeepsSignalsApart(t *testing.T) {
	h, id := sharedStateHost(t)
	cfg := testConfig(RuleConfig{Name: "budget", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 100, FingerprintAttributes: []string{"route"}})
	cfg.AdjustmentInterval = 10 * time.Second
	cfg.SharedState = &id
	clock := newTestClock()
	ratesBySignal := map[string]*rates{}
	volume := map[string]int64{"traces": 8000, "logs": 2000}
	for signal := range volume {
		e, err := newRates(componenttest.NewNopTelemetrySettings(), component.MustNewID("adaptive_sampling"), cfg, signal, signal == "traces")
		if err != nil {
			t.Fatal(err)
		}
		e.now, e.manual = clock.Now, true
		if err := e.start(h); err != nil {
			t.Fatal(err)
		}
		defer e.shutdown()
		ratesBySignal[signal] = e
	}
	for range 3 {
		for signal, e := range ratesBySignal {
			tab := e.rules[0].table
			tab.ObserveN(tab.Lookup([]byte("/a")), volume[signal])
		}
		clock.Advance(10 * time.Second)
		for _, e := range ratesBySignal {
			e.adjust(context.Background())
		}
	}
	for signal, e := range ratesBySignal {
		// Budget 1000 per interval over this signal's own volume.
		want := 1000 / float64(volume[signal])
		if got := e.rules[0].table.Busiest(1)[0].Probability; math.Abs(got-want) > 0.001 {
			t.Errorf("%s: probability %v, want %v", signal, got, want)
		}
		if e.sharedErrs.Load() != 0 {
			t.Errorf("%s: shared state errors", signal)
		}
	}
}

// With a shared state the replicas agree on one brake per instant (brake.go):
// the fleet budget holds through a 5x step, in the step interval and in the
// next one, which still adjusts from the fleet counts of the interval before
// the step, and after every instant both replicas hold the same factor, hence
// the same thresholds.
func TestSharedStateBrakeHoldsFleetBudgetThroughStep(t *testing.T) {
	h, id := sharedStateHost(t)
	cfg := func() *Config {
		c := testConfig(RuleConfig{Name: "budget", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 100, FingerprintAttributes: []string{"route"}})
		c.AdjustmentInterval = 10 * time.Second
		c.SharedState = &id
		return c
	}
	clock := newTestClock()
	clock.Advance(5 * time.Second) // adjustments in the middle of intervals, as the loop does
	procA, pa, sinkA := startTracesClock(t, cfg(), h, clock)
	procB, pb, sinkB := startTracesClock(t, cfg(), h, clock)
	if pa.guard == nil || pa.rules[0].table.GuardActivations() != 0 {
		t.Fatal("the memory store is not used as the fleet brake")
	}
	r := rand.New(rand.NewPCG(21, 22))
	// Replica A receives 3/4 of the traffic, B 1/4.
	sizes := []int{8000, 8000, 8000, 8000, 40000, 40000, 40000}
	braked := 0
	for i, n := range sizes {
		specs := zipfRoutes(r, n)
		sinkA.Reset()
		sinkB.Reset()
		a, b := specs[:n*3/4], specs[n*3/4:]
		const slices = 5 // batches per instant
		per := func(s []spanSpec, k int) []spanSpec {
			step := (len(s) + brakeInstants*slices - 1) / (brakeInstants * slices)
			return s[min(k*step, len(s)):min((k+1)*step, len(s))]
		}
		for j := range brakeInstants {
			pa.brakeStep(context.Background())
			pb.brakeStep(context.Background())
			fa, fb := pa.rules[0].table.Brake(), pb.rules[0].table.Brake()
			if fa != fb {
				t.Fatalf("interval %d instant %d: brake %v on A, %v on B", i, j, fa, fb)
			}
			if fa < 1 {
				braked++
			}
			for k := range slices {
				clock.Advance(10 * time.Second / brakeInstants / slices)
				feed(t, context.Background(), procA, per(a, j*slices+k))
				feed(t, context.Background(), procB, per(b, j*slices+k))
			}
		}
		keptA, keptB := sinkA.SpanCount(), sinkB.SpanCount()
		t.Logf("interval %d (%d spans): kept A=%d B=%d fleet=%d (budget 1000)", i, n, keptA, keptB, keptA+keptB)
		// Intervals 0 and 1 precede the first complete fleet interval: the
		// rates keep everything and only the brake holds the budget, from
		// the third instant on.
		if fleet := keptA + keptB; i >= 2 && math.Abs(float64(fleet)-1000) > 100 {
			t.Fatalf("interval %d (%d spans): fleet kept %d, want 1000 ± 10%%", i, n, fleet)
		}
		pa.adjust(context.Background())
		pb.adjust(context.Background())
	}
	if braked == 0 || pa.rules[0].brakeChanges.Load() == 0 || pa.rules[0].brakeChanges.Load() != pb.rules[0].brakeChanges.Load() {
		t.Fatalf("brake in force at %d instants, changes A=%d B=%d", braked, pa.rules[0].brakeChanges.Load(), pb.rules[0].brakeChanges.Load())
	}
}
