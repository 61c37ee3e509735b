package adaptivesamplingprocessor

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelgate/otelgate/extension/samplingstateextension"
)

// switchableStore is the memory backend of sampling_state that a test can take
// down: while down every call fails.
type switchableStore struct {
	component.Component
	store samplingstateextension.Store
	down  atomic.Bool
}

var errDown = errors.New("store down")

func (s *switchableStore) AddCounts(ctx context.Context, iv int64, c map[string]int64) error {
	if s.down.Load() {
		return errDown
	}
	return s.store.AddCounts(ctx, iv, c)
}

func (s *switchableStore) MergedCounts(ctx context.Context, iv int64) (map[string]int64, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.store.MergedCounts(ctx, iv)
}

func (s *switchableStore) Heartbeat(ctx context.Context, g, r string, ttl time.Duration) (int, error) {
	if s.down.Load() {
		return 0, errDown
	}
	return s.store.(samplingstateextension.Membership).Heartbeat(ctx, g, r, ttl)
}

func (s *switchableStore) Leave(ctx context.Context, g, r string) error {
	return s.store.(samplingstateextension.Membership).Leave(ctx, g, r)
}

func switchableHost(t *testing.T) (host, component.ID, *switchableStore) {
	t.Helper()
	h, id := sharedStateHost(t)
	s := &switchableStore{Component: h.ext[id], store: h.ext[id].(samplingstateextension.Store)}
	return host{Host: h.Host, ext: map[component.ID]component.Component{id: s}}, id, s
}

func fleetConfig(id component.ID) *Config {
	c := testConfig(RuleConfig{Name: "budget", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 100, FingerprintAttributes: []string{"route"}})
	c.AdjustmentInterval = 10 * time.Second
	c.SharedState = &id
	return c
}

// sameDecisions feeds the same traces to every processor and fails unless
// they keep the same spans with the same tracestate. The probe comes late in
// the interval and is small, so that no replica's budget guard (which holds
// each replica to its own share within an interval) changes rates.
func sameDecisions(t *testing.T, clock *testClock, r *rand.Rand, procs []feedTarget) {
	t.Helper()
	clock.Advance(9 * time.Second)
	defer clock.Advance(time.Second)
	probe := zipfRoutes(r, 1000)
	var first []string
	for i, p := range procs {
		p.sink.Reset()
		feed(t, context.Background(), p.proc, probe)
		var got []string
		for _, s := range keptSpans(p.sink) {
			got = append(got, s.TraceID().String()+" "+s.TraceState().AsRaw())
		}
		if len(got) == 0 || len(got) == len(probe) {
			t.Fatalf("replica %d kept %d of %d: the probe does not test the rates", i, len(got), len(probe))
		}
		if i == 0 {
			first = got
			continue
		}
		if len(got) != len(first) {
			t.Fatalf("replica %d kept %d spans, replica 0 kept %d", i, len(got), len(first))
		}
		for j := range got {
			if got[j] != first[j] {
				t.Fatalf("replica %d span %d: %q, replica 0: %q", i, j, got[j], first[j])
			}
		}
	}
}

// A replica that joins a running fleet takes the fleet's current rates before
// its first adjustment, and computes the same thresholds as the others from
// then on, although its history differs from theirs.
func TestSharedStateLateJoinerDecidesLikeTheFleet(t *testing.T) {
	h, id := sharedStateHost(t)
	clock := newTestClock()
	clock.Advance(5 * time.Second) // adjustments in the middle of intervals, as the loop does
	procA, pa, sinkA := startTracesClock(t, fleetConfig(id), h, clock)
	procB, pb, sinkB := startTracesClock(t, fleetConfig(id), h, clock)
	r := rand.New(rand.NewPCG(5, 6))
	for range 3 {
		specs := zipfRoutes(r, 8000)
		feedOverInterval(t, clock, 10*time.Second, intervalFeed{procA, specs[:5000]}, intervalFeed{procB, specs[5000:]})
		pa.adjust(context.Background())
		pb.adjust(context.Background())
	}
	procC, pc, sinkC := startTracesClock(t, fleetConfig(id), h, clock)
	pc.joinFleet(context.Background())
	if got := pc.fleet.replicas; got != 3 {
		t.Fatalf("joiner counts %d replicas, want 3", got)
	}
	procs := []feedTarget{{procA, sinkA}, {procB, sinkB}, {procC, sinkC}}
	sameDecisions(t, clock, r, procs)
	// Two more intervals with the joiner taking a third of the traffic, at a
	// different volume: all three still agree.
	for range 2 {
		specs := zipfRoutes(r, 12000)
		feedOverInterval(t, clock, 10*time.Second, intervalFeed{procA, specs[:4000]}, intervalFeed{procB, specs[4000:8000]}, intervalFeed{procC, specs[8000:]})
		for _, p := range []*tracesProcessor{pa, pb, pc} {
			p.adjust(context.Background())
		}
	}
	sameDecisions(t, clock, r, procs)
	for _, p := range []*tracesProcessor{pa, pb, pc} {
		if p.sharedErrs.Load() != 0 || p.fleet.state != fleetShared {
			t.Fatalf("shared state errors %d, state %s", p.sharedErrs.Load(), fleetStateNames[p.fleet.state])
		}
	}
}

type feedTarget struct {
	proc processor.Traces
	sink *consumertest.TracesSink
}

// When the store fails, a replica keeps its last fleet-wide rates for one
// interval, then shares the goal by the last known replica count over its
// local counts; it logs each change of state once, counts the adjustments
// of each fallback, and adjusts from fleet-wide counts again once the store
// has a complete interval.
func TestSharedStateFallbacks(t *testing.T) {
	h, id, store := switchableHost(t)
	clock := newTestClock()
	clock.Advance(5 * time.Second)
	procA, pa, _ := startTracesClock(t, fleetConfig(id), h, clock)
	procB, pb, _ := startTracesClock(t, fleetConfig(id), h, clock)
	core, logs := observer.New(zapcore.InfoLevel)
	pa.logger = zap.New(core)
	r := rand.New(rand.NewPCG(7, 8))
	// A steady 4000 spans per interval on "/a", split evenly.
	interval := func() {
		specs := make([]spanSpec, 4000)
		for i := range specs {
			specs[i] = spanSpec{traceID: randomTraceID(r), key: "/a"}
		}
		feedOverInterval(t, clock, 10*time.Second, intervalFeed{procA, specs[:2000]}, intervalFeed{procB, specs[2000:]})
		pa.adjust(context.Background())
		pb.adjust(context.Background())
	}
	prob := func() float64 { return pa.rules[0].table.Busiest(1)[0].Probability }
	for range 3 {
		interval()
	}
	// Budget 1000 over the fleet's 4000.
	if p := prob(); math.Abs(p-0.25) > 0.001 || pa.fleet.replicas != 2 {
		t.Fatalf("shared: probability %v, replicas %d", p, pa.fleet.replicas)
	}
	store.down.Store(true)
	// The rates of the last adjustment stay although A's own traffic halves.
	specs := make([]spanSpec, 1000)
	for i := range specs {
		specs[i] = spanSpec{traceID: randomTraceID(r), key: "/a"}
	}
	feedOverInterval(t, clock, 10*time.Second, intervalFeed{procA, specs})
	pa.adjust(context.Background())
	if p := prob(); pa.fleet.state != fleetLastTable || math.Abs(p-0.25) > 0.001 {
		t.Fatalf("last table: state %s, probability %v", fleetStateNames[pa.fleet.state], p)
	}
	// Then goal ÷ 2 replicas over the local 1000: the local counts stand for
	// 2000 fleet-wide, folded into the moving average of the fleet's 4000.
	feedOverInterval(t, clock, 10*time.Second, intervalFeed{procA, specs})
	pa.adjust(context.Background())
	w := pa.cfg.EMAWeight
	if p, want := prob(), 1000/((1-w)*4000+w*2000); pa.fleet.state != fleetDivided || math.Abs(p-want) > 0.001 {
		t.Fatalf("divided: state %s, probability %v, want %v", fleetStateNames[pa.fleet.state], p, want)
	}
	feedOverInterval(t, clock, 10*time.Second, intervalFeed{procA, specs})
	pa.adjust(context.Background())
	store.down.Store(false)
	// The first interval after the outage has no complete fleet interval
	// before it; the second adjusts from fleet-wide counts again.
	interval()
	interval()
	if p := prob(); pa.fleet.state != fleetShared || math.Abs(p-0.25) > 0.001 {
		t.Fatalf("recovered: state %s, probability %v", fleetStateNames[pa.fleet.state], p)
	}
	if got := pa.fleet.adjustments[fleetLastTable].Load(); got != 1 {
		t.Errorf("last_table adjustments %d, want 1", got)
	}
	if got := pa.fleet.adjustments[fleetDivided].Load(); got != 2 {
		t.Errorf("divided adjustments %d, want 2", got)
	}
	if got := pa.sharedErrs.Load(); got != 3 {
		t.Errorf("shared state errors %d, want 3", got)
	}
	// One message per change of state: last_table, divided, shared.
	var msgs []string
	for _, e := range logs.All() {
		msgs = append(msgs, e.ContextMap()["to"].(string))
	}
	if len(msgs) != 3 || msgs[0] != "last_table" || msgs[1] != "divided" || msgs[2] != "shared" {
		t.Fatalf("state change logs %v", msgs)
	}
}

func TestGuardShare(t *testing.T) {
	for _, c := range []struct {
		local, total int64
		then, now    int
		want         float64
	}{
		{70, 100, 3, 3, 0.7},    // skewed, steady fleet
		{20, 100, 3, 2, 0.3},    // a replica left: its traffic spreads over the others
		{50, 100, 2, 3, 1. / 3}, // one joined
		{0, 100, 2, 3, 1. / 3},  // the joiner itself
		{0, 0, 0, 0, 0},         // nothing known: the whole budget
		{90, 100, 3, 1, 1},      // capped
		{30, 100, 0, 0, 0.3},    // a store without membership
	} {
		if got := guardShare(c.local, c.total, c.then, c.now); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("guardShare%v = %v, want %v", c, got, c.want)
		}
	}
}
