package adaptivesamplingprocessor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/internal/redistest"
)

// Fleet tests: several otelgate processes share one redis-server through the
// redis backend of sampling_state, with adjustment_interval 1s. Traffic is
// sent in ticks of 50 ms; every span is its own trace (so kept counts are
// binomial) with a route drawn 70/20/10 from /a, /b, /c, and its start time is
// the time it was sent. Periods are the seconds between two adjustments (they
// happen in the middle of wall-clock seconds); a kept span counts in the period
// in which it was sent (plus the decision delay in tail mode).
//
// Probe traces are sent to every live replica at once, one per tick: a trace
// whose spans land on several replicas. All of them must be kept with the same
// ot=th, or dropped by all.

const (
	fleetGoal     = 1000 // goal_spans_per_second of the fleet
	fleetTick     = 50 * time.Millisecond
	ticksPerSec   = int(time.Second / fleetTick)
	fleetTolerate = 0.10
)

type fleetRun struct {
	t        *testing.T
	mode     string
	shift    time.Duration // decision delay: when a span's decision happens after it was sent
	redis    *redistest.Server
	sink     *e2etest.Sink
	gws      []*e2etest.Gateway
	live     []bool
	weights  []float64
	carry    []float64
	r        *rand.Rand
	t0       time.Time
	sent     map[int]int
	probeRcv map[pcommon.TraceID]int // live replicas a probe was sent to
	probeAt  map[pcommon.TraceID]time.Time
	// probeSpread is when a probe was sent to the first and the last replica.
	probeSpread map[pcommon.TraceID][2]time.Time
}

func startFleet(t *testing.T, mode string, replicas int) *fleetRun {
	t.Helper()
	e2etest.SkipIfShort(t)
	f := &fleetRun{
		t: t, mode: mode, redis: redistest.Start(t), sink: e2etest.StartSink(t),
		r: rand.New(rand.NewPCG(uint64(replicas), 2026)), sent: map[int]int{},
		probeRcv: map[pcommon.TraceID]int{}, probeAt: map[pcommon.TraceID]time.Time{},
		probeSpread: map[pcommon.TraceID][2]time.Time{},
	}
	if mode == "tail" {
		f.shift = 300 * time.Millisecond
	}
	for range replicas {
		f.gws = append(f.gws, e2etest.StartGateway(t, e2etest.GatewayOptions{
			Config: "processor/adaptivesamplingprocessor/testdata/fleet/config.yaml",
			Sink:   f.sink,
			Env: map[string]string{
				"OTELGATE_REDIS_ENDPOINT": f.redis.Addr,
				"FLEET_MODE":              mode,
				"FLEET_GOAL":              fmt.Sprint(fleetGoal),
			},
		}))
		f.live = append(f.live, true)
		f.carry = append(f.carry, 0)
	}
	return f
}

var routes = []string{"/a", "/b", "/c"}

func (f *fleetRun) route() string {
	switch x := f.r.Float64(); {
	case x < 0.7:
		return routes[0]
	case x < 0.9:
		return routes[1]
	default:
		return routes[2]
	}
}

func newID(r *rand.Rand) pcommon.TraceID {
	var id pcommon.TraceID
	for i := range id {
		id[i] = byte(r.Uint32())
	}
	return id
}

// drive sends traffic for the given number of periods: rate(p) spans per
// second in period p, shared between live replicas by f.weights; events run at
// the start of the tick they are keyed by (period*20 + tick within it).
func (f *fleetRun) drive(periods int, rate func(p int) int, events map[int]func()) {
	// Periods start in the middle of wall-clock seconds, where replicas adjust;
	// ticks fall in the middle of their 50 ms, away from the boundaries.
	now := time.Now()
	f.t0 = now.Truncate(time.Second).Add(1500 * time.Millisecond)
	if f.t0.Sub(now) < 300*time.Millisecond {
		f.t0 = f.t0.Add(time.Second)
	}
	for k := range periods * ticksPerSec {
		at := f.t0.Add(time.Duration(k)*fleetTick + fleetTick/2)
		time.Sleep(time.Until(at))
		if ev := events[k]; ev != nil {
			ev()
		}
		p := k / ticksPerSec
		n := rate(p) / ticksPerSec
		var total float64
		for i, w := range f.weights {
			if f.live[i] {
				total += w
			}
		}
		// The probe goes first to every live replica, in one small batch
		// each, so that it reaches all of them within a few milliseconds.
		probe := newID(f.r)
		receivers := 0
		first := time.Now()
		for i, gw := range f.gws {
			if f.live[i] {
				gw.SendTraces(f.t, f.batch(i, 0, probe))
				receivers++
				f.sent[p]++
			}
		}
		f.probeRcv[probe] = receivers
		f.probeAt[probe] = time.Now()
		f.probeSpread[probe] = [2]time.Time{first, f.probeAt[probe]}
		for i, gw := range f.gws {
			if !f.live[i] {
				continue
			}
			f.carry[i] += float64(n) * f.weights[i] / total
			m := int(f.carry[i])
			f.carry[i] -= float64(m)
			if m > 0 {
				f.sent[p] += m
				gw.SendTraces(f.t, f.batch(i, m, pcommon.TraceID{})) // fails the test on any error or rejected span
			}
		}
	}
}

// batch returns m spans for replica i, each its own trace, plus the probe
// span of trace probe unless probe is empty.
func (f *fleetRun) batch(i, m int, probe pcommon.TraceID) ptrace.Traces {
	stamp := pcommon.NewTimestampFromTime(time.Now())
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	add := func(id pcommon.TraceID, route string, isProbe bool) {
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(id)
		s.SetSpanID(pcommon.SpanID{byte(i + 1), 1})
		s.SetName("op")
		s.SetStartTimestamp(stamp)
		s.SetEndTimestamp(stamp)
		s.Attributes().PutStr("route", route)
		s.Attributes().PutInt("replica", int64(i))
		if isProbe {
			s.Attributes().PutBool("probe", true)
		}
	}
	for range m {
		add(newID(f.r), f.route(), false)
	}
	if !probe.IsEmpty() {
		add(probe, routes[2], true)
	}
	return td
}

// stop stops replica i gracefully (its traffic goes to the others).
func (f *fleetRun) stop(i int) func() {
	return func() {
		f.live[i] = false
		f.gws[i].Stop(f.t)
	}
}

func (f *fleetRun) period(ts time.Time) int {
	return int(math.Floor(float64(ts.Add(f.shift).Sub(f.t0)) / float64(time.Second)))
}

// nearBoundary reports whether a decision at ts may fall on either side of an
// adjustment on different replicas.
func (f *fleetRun) nearBoundary(ts time.Time) bool {
	off := ts.Add(f.shift).Sub(f.t0) % time.Second
	return off < 100*time.Millisecond || off > 900*time.Millisecond
}

// fleetInstant is the length of the instants at which the fleet brake may
// change the rates (adjustment_interval / 20).
const fleetInstant = time.Second / 20

// straddles reports whether the replicas may have decided probe in different
// instants of the fleet brake: then they may legitimately decide it under
// different factors, as spans of one trace decided across an adjustment may
// get different rates. In consistent mode a span is decided on arrival; in
// tail mode at the first flush after decision_delay, and flushes happen 2/5
// into each instant on every replica.
func (f *fleetRun) straddles(probe pcommon.TraceID) bool {
	s := f.probeSpread[probe]
	origin := f.t0
	if f.mode == "tail" {
		origin = origin.Add(-f.shift + fleetInstant*2/5)
	}
	return s[0].Sub(origin)/fleetInstant != s[1].Sub(origin)/fleetInstant
}

// settle waits until the sink has received every decision.
func (f *fleetRun) settle() {
	last, stable := -1, 0
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && stable < 10; {
		time.Sleep(100*time.Millisecond + f.shift/5)
		if n := f.sink.Traces.SpanCount(); n == last {
			stable++
		} else {
			last, stable = n, 0
		}
	}
}

type fleetResult struct {
	kept     map[int]int
	probeThs map[pcommon.TraceID][]string
}

func (f *fleetRun) collect() fleetResult {
	f.settle()
	res := fleetResult{kept: map[int]int{}, probeThs: map[pcommon.TraceID][]string{}}
	for _, td := range f.sink.Traces.AllTraces() {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			sss := td.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					s := spans.At(k)
					res.kept[f.period(s.StartTimestamp().AsTime())]++
					if _, ok := s.Attributes().Get("probe"); ok {
						res.probeThs[s.TraceID()] = append(res.probeThs[s.TraceID()], s.TraceState().AsRaw())
					}
				}
			}
		}
	}
	return res
}

// checkBudget logs the fleet's kept spans per period and their error against
// the goal, and fails when a period in check is off by more than tol.
func (f *fleetRun) checkBudget(res fleetResult, periods int, check func(p int) (bool, float64)) {
	f.t.Helper()
	for p := range periods {
		kept := res.kept[p]
		errPct := 100 * (float64(kept) - fleetGoal) / fleetGoal
		on, tol := check(p)
		f.t.Logf("%s period %2d: sent %6d, fleet kept %5d, error %+6.1f%% (checked: %v, tolerance ±%.0f%%)",
			f.mode, p, f.sent[p], kept, errPct, on, 100*tol)
		if on && math.Abs(errPct) > 100*tol {
			f.t.Errorf("period %d: fleet kept %d spans, want %d ± %.0f%%", p, kept, fleetGoal, 100*tol)
		}
	}
}

// checkProbes fails unless every replica that received a probe decided the
// same, with the same ot=th, outside the periods skip excludes.
func (f *fleetRun) checkProbes(res fleetResult, skip func(p int) bool) {
	f.t.Helper()
	checked, kept, straddling := 0, 0, 0
	var bad []string
	for id, n := range f.probeRcv {
		at := f.probeAt[id]
		if f.nearBoundary(at) || skip(f.period(at)) {
			continue
		}
		if f.straddles(id) {
			straddling++
			continue
		}
		checked++
		ths := res.probeThs[id]
		if len(ths) == 0 {
			continue
		}
		kept++
		sort.Strings(ths)
		if len(ths) != n || ths[0] != ths[len(ths)-1] {
			off := (at.Add(f.shift).Sub(f.t0) % time.Second).Round(time.Millisecond)
			bad = append(bad, fmt.Sprintf("%s (period %d, decided %v into it): kept by %d of %d replicas with %v", id, f.period(at), off, len(ths), n, ths))
		}
	}
	f.t.Logf("%s probes: %d checked, %d kept by the fleet, %d with differing decisions (%d not checked: sent across an instant boundary)",
		f.mode, checked, kept, len(bad), straddling)
	if checked < 50 || kept == 0 {
		f.t.Errorf("only %d probes checked, %d kept: the check proves nothing", checked, kept)
	}
	if len(bad) > 0 {
		f.t.Errorf("%d probe traces decided differently by replicas, e.g.:\n%s", len(bad), strings.Join(bad[:min(len(bad), 5)], "\n"))
	}
}

// logBrakes logs, per live replica, the fleet brake's changes of rates and the
// failed brake calls to the store.
func (f *fleetRun) logBrakes() {
	f.t.Helper()
	for i, gw := range f.gws {
		if !f.live[i] {
			continue
		}
		changes := gw.Metric(f.t, "otelcol_processor_adaptive_sampling_budget_guard", nil)
		errs := gw.Metric(f.t, "otelcol_extension_sampling_state_errors", map[string]string{"operation": "brake"})
		f.t.Logf("replica %d: brake changes %v, failed brake calls %v", i, changes, errs)
	}
}

// Three replicas receive 70/20/10 of the traffic, in consistent mode; the
// traffic steps up ×5 in period 5, and in period 9 the smallest replica leaves
// (its share goes to the two others). From the third period on, the fleet keeps
// the goal within ±10% in every period (the step periods 5 and 6, whose rates
// come from counts before the step, included: the fleet brake holds them), and
// the replicas decide every probe trace alike from the third period on, brake
// included.
func TestFleetConsistentSkewedStepAndLeave(t *testing.T) {
	f := startFleet(t, "consistent", 3)
	f.weights = []float64{0.7, 0.2, 0.1}
	const periods, step, leave = 12, 5, 9
	f.drive(periods, func(p int) int {
		if p >= step {
			return 15000
		}
		return 3000
	}, map[int]func(){leave * ticksPerSec: f.stop(2)})
	res := f.collect()
	f.checkBudget(res, periods, func(p int) (bool, float64) { return p >= 3, fleetTolerate })
	f.checkProbes(res, func(p int) bool { return p < 2 })
	f.logBrakes()
}

// Five replicas receive the same share of the traffic, in tail mode. The
// redis-server is killed in period 5 and restarted (empty) in period 7: no
// sender sees an error, the replicas keep deciding (first with their last
// rates, then with the goal divided by the 5 known replicas), and from the
// second period after the restart the fleet keeps the goal within ±10% again
// and every replica decides each probe trace alike.
func TestFleetTailUniformRedisRestart(t *testing.T) {
	f := startFleet(t, "tail", 5)
	f.weights = []float64{1, 1, 1, 1, 1}
	const periods, kill, restart = 13, 5, 7
	events := map[int]func(){
		kill*ticksPerSec + 5: f.redis.Kill,
		restart*ticksPerSec + 5: func() {
			if err := f.redis.Restart(); err != nil {
				t.Fatal(err)
			}
		},
	}
	f.drive(periods, func(int) int { return 3000 }, events)
	res := f.collect()
	f.checkBudget(res, periods, func(p int) (bool, float64) {
		switch {
		case p < 3:
			return false, 0
		case p >= kill && p < restart+2:
			// Outage: decisions continue from fallbacks.
			return true, 0.25
		}
		return true, fleetTolerate
	})
	// Probes are compared after the third period, like the budget: the
	// first fleet-wide rates arrive in period 2, and on a loaded machine a
	// replica's first exchanges with the store may time out.
	f.checkProbes(res, func(p int) bool { return p < 3 || (p >= kill && p < restart+2) })
	f.logBrakes()
	for i, gw := range f.gws {
		errs := gw.Metric(t, "otelcol_processor_adaptive_sampling_shared_state_errors", nil)
		lastTable := gw.Metric(t, "otelcol_processor_adaptive_sampling_shared_state_fallbacks", map[string]string{"state": "last_table"})
		divided := gw.Metric(t, "otelcol_processor_adaptive_sampling_shared_state_fallbacks", map[string]string{"state": "divided"})
		replicas := gw.Metric(t, "otelcol_processor_adaptive_sampling_shared_state_replicas", nil)
		t.Logf("replica %d: shared state errors %v, fallbacks last_table %v divided %v, replicas %v", i, errs, lastTable, divided, replicas)
		if errs < 1 || lastTable != 1 || divided < 1 || replicas != 5 {
			t.Errorf("replica %d: errors %v, last_table %v, divided %v, replicas %v; want ≥1, 1, ≥1, 5", i, errs, lastTable, divided, replicas)
		}
	}
}
