package adaptivesamplingprocessor_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/internal/faultsink"
	"github.com/otelgate/otelgate/internal/gatewayproc"
	"github.com/otelgate/otelgate/internal/redistest"
)

// Load-shedding tests: real otelgate processes (testdata/loadshed) in front
// of fault-injecting OTLP backends (internal/faultsink). Every span is its own
// trace and is kept with probability equal to the load-shedding factor
// (evaluated every second), so the sum of the kept spans' adjusted counts
// (1/p from ot=th) estimates the spans sent. The factor and the reasons of
// its changes are read from the gateway's own metrics.

const (
	shedConfig         = "processor/adaptivesamplingprocessor/testdata/loadshed/config.yaml"
	shedBreakersConfig = "processor/adaptivesamplingprocessor/testdata/loadshed/breakers.yaml"
	shedTick           = 200 * time.Millisecond
	shedBatch          = 200 // spans per gateway per tick
	shedTolerance      = 0.10
)

func startFaultSink(t *testing.T) *faultsink.Sink {
	t.Helper()
	s, err := faultsink.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func startShedGateway(t *testing.T, config string, env map[string]string) *e2etest.Gateway {
	t.Helper()
	return e2etest.StartGateway(t, e2etest.GatewayOptions{Config: config, Env: env})
}

// shedLoad sends one batch per tick to every gateway and records, for each
// gateway, the spans sent and the distinct load-shedding factors it went
// through, in order.
type shedLoad struct {
	t       *testing.T
	gws     []*e2etest.Gateway
	r       *rand.Rand
	sent    []int
	factors [][]float64
}

func newShedLoad(t *testing.T, seed uint64, gws ...*e2etest.Gateway) *shedLoad {
	t.Helper()
	return &shedLoad{t: t, gws: gws, r: rand.New(rand.NewPCG(seed, 15)), sent: make([]int, len(gws)), factors: make([][]float64, len(gws))}
}

func (l *shedLoad) tick() {
	l.t.Helper()
	next := time.Now().Add(shedTick)
	for i, gw := range l.gws {
		td := ptrace.NewTraces()
		ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
		stamp := pcommon.NewTimestampFromTime(time.Now())
		for range shedBatch {
			s := ss.Spans().AppendEmpty()
			var id pcommon.TraceID
			for k := range id {
				id[k] = byte(l.r.Uint32())
			}
			s.SetTraceID(id)
			s.SetSpanID(pcommon.SpanID{1})
			s.SetName("op")
			s.SetStartTimestamp(stamp)
			s.SetEndTimestamp(stamp)
		}
		gw.SendTraces(l.t, td) // fails the test on any refusal
		l.sent[i] += shedBatch
		f := shedFactor(l.t, gw)
		if fs := l.factors[i]; len(fs) == 0 || fs[len(fs)-1] != f {
			l.factors[i] = append(fs, f)
		}
	}
	time.Sleep(time.Until(next))
}

// run sends for d.
func (l *shedLoad) run(d time.Duration) {
	l.t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); {
		l.tick()
	}
}

// until sends until cond holds for every gateway, and fails the test after timeout.
func (l *shedLoad) until(what string, timeout time.Duration, cond func(gw *e2etest.Gateway) bool) {
	l.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		l.tick()
		ok := true
		for _, gw := range l.gws {
			ok = ok && cond(gw)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("waited %s for %s; factors so far: %v", timeout, what, l.factors)
		}
	}
}

func shedFactor(t *testing.T, gw *e2etest.Gateway) float64 {
	t.Helper()
	samples := gw.Scrape(t)
	for _, name := range []string{"otelcol_processor_adaptive_sampling_load_shedding_factor", "otelcol_processor_adaptive_sampling_load_shedding_factor_ratio"} {
		for _, s := range samples {
			if s.Name == name && s.Labels["signal"] == "traces" {
				return s.Value
			}
		}
	}
	t.Fatalf("no load_shedding factor in the gateway's metrics")
	return 0
}

func shedChanges(t *testing.T, gw *e2etest.Gateway) map[string]float64 {
	t.Helper()
	samples := gw.Scrape(t)
	out := map[string]float64{}
	for _, r := range []string{"latency", "queue", "errors", "open_breakers", "recovered"} {
		out[r] = gatewayproc.SumSamples(samples, "otelcol_processor_adaptive_sampling_load_shedding_changes", map[string]string{"reason": r})
	}
	return out
}

// checkValley fails unless the factors went down and then back up to 1
// without turning back in between (no oscillation).
func checkValley(t *testing.T, name string, factors []float64) {
	t.Helper()
	if len(factors) < 3 || factors[0] != 1 || factors[len(factors)-1] != 1 {
		t.Fatalf("%s: factors %v: want 1, lower, then 1 again", name, factors)
	}
	rising := false
	for i := 1; i < len(factors); i++ {
		up := factors[i] > factors[i-1]
		if rising && !up {
			t.Fatalf("%s: factors %v: the factor fell again after it had started to recover", name, factors)
		}
		rising = rising || up
	}
}

// checkChanges fails unless the gateway changed the factor for reason (and
// only reason) on the way down, and at most one more time on the way up
// than down.
func checkChanges(t *testing.T, name string, gw *e2etest.Gateway, reason string) {
	t.Helper()
	c := shedChanges(t, gw)
	t.Logf("%s: changes by reason %v", name, c)
	down := c["latency"] + c["queue"] + c["errors"] + c["open_breakers"]
	if c[reason] < 1 || c[reason] != down {
		t.Errorf("%s: changes %v: want every decrease for reason %s", name, c, reason)
	}
	if c["recovered"] < 1 || c["recovered"] > down+1 {
		t.Errorf("%s: %v increases after %v decreases: want at least one and at most one more than the decreases", name, c["recovered"], down)
	}
}

// checkAdjusted waits until every span the gateway's sampler kept reached
// the sinks, and compares the sum of their adjusted counts with the spans
// sent; the gateway refused nothing.
func checkAdjusted(t *testing.T, name string, gw *e2etest.Gateway, sent int, sinks ...*faultsink.Sink) {
	t.Helper()
	kept := func() float64 {
		return gatewayproc.SumSamples(gw.Scrape(t), "otelcol_processor_outgoing_items",
			map[string]string{"processor": "adaptive_sampling", "otel_signal": "traces"})
	}
	var spans int64
	var adjusted float64
	deadline := time.Now().Add(30 * time.Second)
	for {
		spans, adjusted = 0, 0
		for _, s := range sinks {
			spans += s.Spans()
			adjusted += s.AdjustedCount()
		}
		k := kept()
		if k > 0 && float64(spans) >= k {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the sinks hold %d spans after 30s, the sampler kept %v", name, spans, k)
		}
		time.Sleep(100 * time.Millisecond)
	}
	refused := gatewayproc.SumSamples(gw.Scrape(t), "otelcol_receiver_refused_spans", nil)
	rel := (adjusted - float64(sent)) / float64(sent)
	t.Logf("%s: sent %d spans, sinks received %d (%.1f%%), sum of adjusted counts %.0f (%+.2f%%), refused %v",
		name, sent, spans, 100*float64(spans)/float64(sent), adjusted, 100*rel, refused)
	if refused != 0 {
		t.Errorf("%s: the receiver refused %v spans", name, refused)
	}
	if spans >= int64(sent) {
		t.Errorf("%s: the sinks received %d of %d spans: nothing was shed", name, spans, sent)
	}
	if math.Abs(rel) > shedTolerance {
		t.Errorf("%s: sum of adjusted counts %.0f vs %d sent: off by %+.1f%%, want within ±%.0f%%", name, adjusted, sent, 100*rel, 100*shedTolerance)
	}
}

// shedCycle runs the common scenario on every gateway: healthy traffic at
// factor 1, a fault until each factor is at most low, recovery until each is
// back to 1, then more healthy traffic during which it stays there.
func shedCycle(t *testing.T, l *shedLoad, low float64, fault, recover func()) {
	t.Helper()
	l.run(2 * time.Second)
	for i, gw := range l.gws {
		if f := shedFactor(t, gw); f != 1 {
			t.Fatalf("gateway %d: factor %v with a healthy backend, want 1", i, f)
		}
	}
	fault()
	l.until("the factor to drop", 40*time.Second, func(gw *e2etest.Gateway) bool { return shedFactor(t, gw) <= low })
	recover()
	l.until("the factor to return to 1", 60*time.Second, func(gw *e2etest.Gateway) bool { return shedFactor(t, gw) == 1 })
	l.run(3 * time.Second)
	for i := range l.gws {
		t.Logf("gateway %d: factors %v", i, l.factors[i])
		checkValley(t, "gateway "+string(rune('A'+i)), l.factors[i])
	}
}

// TestLoadSheddingSlowSink: the backend holds every acknowledgement for 1s
// (latency_threshold 400ms), then recovers.
func TestLoadSheddingSlowSink(t *testing.T) {
	e2etest.SkipIfShort(t)
	sink := startFaultSink(t)
	gw := startShedGateway(t, shedConfig, map[string]string{gatewayproc.EnvBackendEndpoint: sink.GRPCEndpoint})
	l := newShedLoad(t, 1, gw)
	shedCycle(t, l, 0.5, func() { sink.SetDelay(time.Second) }, sink.Recover)
	checkChanges(t, "slow sink", gw, "latency")
	checkAdjusted(t, "slow sink", gw, l.sent[0], sink)
}

// TestLoadSheddingFailingSink: the backend refuses every other request with
// Unavailable (error_rate_threshold 0.1); the exporter retries them.
func TestLoadSheddingFailingSink(t *testing.T) {
	e2etest.SkipIfShort(t)
	sink := startFaultSink(t)
	gw := startShedGateway(t, shedConfig, map[string]string{gatewayproc.EnvBackendEndpoint: sink.GRPCEndpoint})
	l := newShedLoad(t, 2, gw)
	shedCycle(t, l, 0.75, func() { sink.SetErrorRate(0.5) }, sink.Recover)
	if sink.Refused() == 0 {
		t.Fatal("the sink refused nothing")
	}
	checkChanges(t, "failing sink", gw, "errors")
	checkAdjusted(t, "failing sink", gw, l.sent[0], sink)
}

// TestLoadSheddingFleetRedis: two gateways share their backends' health
// through a real redis-server; only gateway A's backend slows down, and
// both shed (gateway B for the latency A measured), then both recover.
func TestLoadSheddingFleetRedis(t *testing.T) {
	e2etest.SkipIfShort(t)
	redis := redistest.Start(t)
	slow, healthy := startFaultSink(t), startFaultSink(t)
	env := func(sink *faultsink.Sink) map[string]string {
		return map[string]string{gatewayproc.EnvBackendEndpoint: sink.GRPCEndpoint,
			"LOADSHED_BACKEND": "redis", "OTELGATE_REDIS_ENDPOINT": redis.Addr}
	}
	a := startShedGateway(t, shedConfig, env(slow))
	b := startShedGateway(t, shedConfig, env(healthy))
	l := newShedLoad(t, 3, a, b)
	shedCycle(t, l, 0.65, func() { slow.SetDelay(time.Second) }, slow.Recover)
	checkChanges(t, "gateway A", a, "latency")
	checkChanges(t, "gateway B", b, "latency")
	checkAdjusted(t, "gateway A", a, l.sent[0], slow)
	checkAdjusted(t, "gateway B", b, l.sent[1], healthy)
}

// TestLoadSheddingOpenBreakers: the gateway balances over two backends; one
// refuses everything, its circuit breaker opens (open_breaker_threshold 0.5)
// and its share of the traffic goes to the other; then it recovers.
func TestLoadSheddingOpenBreakers(t *testing.T) {
	e2etest.SkipIfShort(t)
	good, bad := startFaultSink(t), startFaultSink(t)
	gw := startShedGateway(t, shedBreakersConfig, map[string]string{
		"LOADSHED_ENDPOINT_A": good.GRPCEndpoint, "LOADSHED_ENDPOINT_B": bad.GRPCEndpoint})
	l := newShedLoad(t, 4, gw)
	shedCycle(t, l, 0.8, func() { bad.SetErrorRate(1) }, bad.Recover)
	if !strings.Contains(gw.Output(), "Endpoint circuit breaker changed") {
		t.Error("no breaker transition in the gateway's log")
	}
	checkChanges(t, "open breakers", gw, "open_breakers")
	checkAdjusted(t, "open breakers", gw, l.sent[0], good, bad)
}
