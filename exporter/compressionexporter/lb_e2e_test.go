package compressionexporter

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// lbSink is one otelgate process behind the balancing gateway, forwarding
// without a queue to its own in-process sink (so it acknowledges only what
// it delivered, and what each sink holds says where the gateway sent it).
type lbSink struct {
	name string
	addr string // its OTLP/gRPC address, as listed in the endpoints file
	sink *e2etest.Sink
	proc *gatewayproc.Process
}

func startLBSink(t *testing.T, name string, sink *e2etest.Sink, addr string) *lbSink {
	t.Helper()
	env := map[string]string{gatewayproc.EnvBackendEndpoint: sink.GRPCEndpoint}
	if addr != "" {
		env[gatewayproc.EnvGRPCEndpoint] = addr // restart on the same address
	}
	var p *gatewayproc.Process
	var err error
	for range gatewayproc.StartAttempts { // the old address may still be held for a moment
		p, err = gatewayproc.StartHealthy(gatewayproc.Options{Binary: e2etest.Binary(t), Config: e2eDir + "lb-sink.yaml",
			Dir: t.TempDir(), Env: env, WorkDir: e2etest.RepoRoot()}, 60*time.Second)
		if err == nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	require.NoError(t, err, "%s: %s", name, p.Output())
	s := &lbSink{name: name, addr: p.Env[gatewayproc.EnvGRPCEndpoint], sink: sink, proc: p}
	t.Cleanup(func() {
		_ = syscall.Kill(p.PID(), syscall.SIGCONT)
		p.Kill()
	})
	return s
}

func writeEndpoints(t *testing.T, path string, sinks ...*lbSink) {
	t.Helper()
	var b strings.Builder
	for _, s := range sinks {
		fmt.Fprintf(&b, "- endpoint: %s\n  ready: true\n", s.addr)
	}
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(b.String()), 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

// load sends batches of complete traces to the gateway and remembers every
// acknowledged span.
type load struct {
	mu   sync.Mutex
	want map[[24]byte]struct{} // trace ID + span ID
	seed uint64
}

func newLoad(seed uint64) *load { return &load{want: map[[24]byte]struct{}{}, seed: seed} }

func spanKey(tid pcommon.TraceID, sid pcommon.SpanID) [24]byte {
	var k [24]byte
	copy(k[:16], tid[:])
	copy(k[16:], sid[:])
	return k
}

func (l *load) send(t *testing.T, gw *e2etest.Gateway, batches int) {
	t.Helper()
	for range batches {
		l.mu.Lock()
		l.seed++
		seed := l.seed
		l.mu.Unlock()
		td := workload.Traces(seed, 60)
		gw.SendTraces(t, td) // fails the test unless acknowledged
		l.mu.Lock()
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					l.want[spanKey(s.TraceID(), s.SpanID())] = struct{}{}
				}
			}
		}
		l.mu.Unlock()
	}
}

// delivery is what the sinks received.
type delivery struct {
	received   int                          // spans, duplicates included
	unique     map[[24]byte]struct{}        // distinct spans
	traceSinks map[pcommon.TraceID][]string // the sinks holding each trace
}

func collect(sinks ...*e2etest.Sink) delivery {
	d := delivery{unique: map[[24]byte]struct{}{}, traceSinks: map[pcommon.TraceID][]string{}}
	for _, s := range sinks {
		all := s.AllTraces()
		d.received += all.SpanCount()
		for _, rs := range all.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					d.unique[spanKey(sp.TraceID(), sp.SpanID())] = struct{}{}
					if !slices.Contains(d.traceSinks[sp.TraceID()], s.GRPCEndpoint) {
						d.traceSinks[sp.TraceID()] = append(d.traceSinks[sp.TraceID()], s.GRPCEndpoint)
					}
				}
			}
		}
	}
	return d
}

// waitDelivered waits until every acknowledged span arrived at some sink.
func waitDelivered(t *testing.T, l *load, sinks ...*e2etest.Sink) delivery {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		d := collect(sinks...)
		l.mu.Lock()
		missing := 0
		for k := range l.want {
			if _, ok := d.unique[k]; !ok {
				missing++
			}
		}
		l.mu.Unlock()
		if missing == 0 {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d acknowledged spans never arrived", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// poll calls cond every interval until it holds, failing the test after
// timeout. It runs cond on the test goroutine, so cond may send load.
func poll(t *testing.T, timeout, interval time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: "+format, append([]any{timeout}, args...)...)
		}
		time.Sleep(interval)
	}
}

// settled waits until every acknowledged span arrived, the gateway's queue
// is empty and the sinks' span count has not moved for a second, so that
// late duplicates (answers to requests the gateway had given up on) are
// counted too.
func settled(t *testing.T, gw *e2etest.Gateway, l *load, sinks ...*e2etest.Sink) delivery {
	t.Helper()
	d := waitDelivered(t, l, sinks...)
	last, quiet := d.received, 0
	poll(t, 90*time.Second, 200*time.Millisecond, func() bool {
		d = collect(sinks...)
		if d.received != last || gw.Metric(t, "otelcol_exporter_queue_size", nil) != 0 {
			last, quiet = d.received, 0
			return false
		}
		quiet++
		return quiet >= 5
	}, "the sinks' span count settles and the queue empties")
	return d
}

// batchSpans is the spans per request load.send sends; the gateway's queue
// does not batch, so no request to a sink carries more.
const batchSpans = 60

// duplicateBound is the most spans the sinks can hold twice: a span
// arrives twice only when a request carrying it reached a sink but the
// gateway counted it failed (timed out on a loaded machine, cut by a
// kill, answered after a black hole ended) and sent it again.
func duplicateBound(t *testing.T, gw *e2etest.Gateway) (failed float64, bound int) {
	t.Helper()
	failed = gw.Metric(t, "otelcol_exporter_compression_endpoint_requests", map[string]string{"outcome": "failure"})
	return failed, int(failed) * batchSpans
}

func splitTraces(d delivery) int {
	n := 0
	for _, s := range d.traceSinks {
		if len(s) > 1 {
			n++
		}
	}
	return n
}

func startLBGateway(t *testing.T, path string) *e2etest.Gateway {
	t.Helper()
	return e2etest.StartGateway(t, e2etest.GatewayOptions{Config: e2eDir + "lb-gateway.yaml", Env: map[string]string{"LB_ENDPOINTS_FILE": path}})
}

func transitions(t *testing.T, gw *e2etest.Gateway, endpoint, from, to string) float64 {
	t.Helper()
	return gw.Metric(t, "otelcol_exporter_compression_endpoint_breaker_transitions", map[string]string{"endpoint": endpoint, "from": from, "to": to})
}

// TestE2EBalancerKillAndBlackHole: three sink processes behind one gateway.
// Steady state: every span arrives once and every trace on one sink. Then
// one sink is killed (refused connections) and another stopped with
// SIGSTOP (accepts, never answers) while load continues: nothing
// acknowledged is lost, both breakers open, and after SIGCONT and a
// restart on the same address they go half-open and close again. Spans
// delivered twice (requests that timed out at the stopped sink and were
// answered after SIGCONT, or were in flight at the kill) stay within the
// in-flight window.
func TestE2EBalancerKillAndBlackHole(t *testing.T) {
	e2etest.SkipIfShort(t)
	inproc := []*e2etest.Sink{e2etest.StartSink(t), e2etest.StartSink(t), e2etest.StartSink(t)}
	sinks := make([]*lbSink, 3)
	for i := range sinks {
		sinks[i] = startLBSink(t, fmt.Sprint("sink", i), inproc[i], "")
	}
	path := filepath.Join(t.TempDir(), "endpoints.yaml")
	writeEndpoints(t, path, sinks...)
	gw := startLBGateway(t, path)

	l := newLoad(10_000)
	l.send(t, gw, 30)
	d := settled(t, gw, l, inproc...)
	failed, bound := duplicateBound(t, gw)
	dups := d.received - len(d.unique)
	reroutes := gw.Metric(t, "otelcol_exporter_compression_endpoint_reroutes", nil)
	t.Logf("steady state: %d spans acknowledged, %d duplicates, %.0f failed requests, %.0f spans rerouted, %d traces on two sinks",
		len(l.want), dups, failed, reroutes, splitTraces(d))
	assert.LessOrEqual(t, dups, bound, "steady state: every span once, but for requests the gateway saw fail")
	assert.LessOrEqual(t, float64(splitTraces(d)), reroutes, "steady state: a trace is split only by spans rerouted past an open breaker")
	for i, s := range inproc {
		assert.Positive(t, s.Traces.SpanCount(), "sink %d got a share", i)
	}

	killed, stopped := sinks[0], sinks[1]
	killed.proc.Kill()
	require.NoError(t, syscall.Kill(stopped.proc.PID(), syscall.SIGSTOP))
	stoppedAt := time.Now()
	l.send(t, gw, 30)
	poll(t, 60*time.Second, 50*time.Millisecond, func() bool {
		return transitions(t, gw, killed.addr, "closed", "open") >= 1 && transitions(t, gw, stopped.addr, "closed", "open") >= 1
	}, "both breakers open:\n%s", lazy(func() string { return breakerSamples(t, gw) }))
	assert.Greater(t, gw.Metric(t, "otelcol_exporter_compression_endpoint_reroutes", nil), 0.0)
	assert.NotZero(t, gw.Metric(t, "otelcol_exporter_compression_endpoint_breaker_state", map[string]string{"endpoint": stopped.addr}),
		"not closed while the sink is stopped: open, or half-open once the cool-down passed (the scrape may come later than 1s on a loaded machine)")
	// While the sink stays stopped, its half-open probe times out and the
	// breaker opens again.
	poll(t, 60*time.Second, 100*time.Millisecond, func() bool {
		l.send(t, gw, 1)
		return transitions(t, gw, stopped.addr, "half_open", "open") >= 1
	}, "a failed probe reopens:\n%s", lazy(func() string { return breakerSamples(t, gw) }))

	require.NoError(t, syscall.Kill(stopped.proc.PID(), syscall.SIGCONT))
	stoppedFor := time.Since(stoppedAt)
	startLBSink(t, "sink0-restarted", inproc[0], killed.addr)
	// Half-open probes are real requests: keep the load on until both close.
	poll(t, 120*time.Second, 100*time.Millisecond, func() bool {
		l.send(t, gw, 1)
		return transitions(t, gw, killed.addr, "open", "half_open") >= 1 && transitions(t, gw, killed.addr, "half_open", "closed") >= 1 &&
			transitions(t, gw, stopped.addr, "open", "half_open") >= 1 && transitions(t, gw, stopped.addr, "half_open", "closed") >= 1
	}, "open -> half_open -> closed for both:\n%s", lazy(func() string { return breakerSamples(t, gw) }))
	// A closed breaker can open again on a loaded machine (three timeouts in
	// a row); with the load stopped, every breaker closes.
	poll(t, 60*time.Second, 200*time.Millisecond, func() bool {
		l.send(t, gw, 1)
		return gw.Metric(t, "otelcol_exporter_compression_endpoint_breaker_state", nil) == 0
	}, "all closed:\n%s", lazy(func() string { return breakerSamples(t, gw) }))
	l.send(t, gw, 20)
	d = settled(t, gw, l, inproc...)

	// Duplicates: the requests that timed out at the stopped sink before its
	// breaker opened and its failed half-open probes, answered after
	// SIGCONT; requests in flight at the kill; any request that timed out on
	// a loaded machine. Each is a failed request of at most one batch.
	failed, bound = duplicateBound(t, gw)
	dups = d.received - len(d.unique)
	t.Logf("acknowledged %d spans, received %d (%d duplicates; %.0f failed requests, bound %d), %d traces on two sinks; black hole lasted %s",
		len(l.want), d.received, dups, failed, bound, splitTraces(d), stoppedFor.Round(time.Millisecond))
	assert.Positive(t, failed, "the kill and the black hole failed requests")
	assert.LessOrEqual(t, dups, bound)
	assert.Equal(t, 0.0, gw.Metric(t, "otelcol_exporter_queue_size", nil), "nothing stuck in the queue")
}

// TestE2EBalancerRollingReplacement: three sinks are replaced one at a
// time through the file resolver while load runs: each new sink is listed,
// the old one is delisted, and the old process stops once the gateway no
// longer lists it. Nothing acknowledged is lost, nothing stays queued, and
// the removed sinks receive nothing after they were delisted.
func TestE2EBalancerRollingReplacement(t *testing.T) {
	e2etest.SkipIfShort(t)
	var inproc []*e2etest.Sink
	var current []*lbSink
	for i := range 3 {
		s := e2etest.StartSink(t)
		inproc = append(inproc, s)
		current = append(current, startLBSink(t, fmt.Sprint("old", i), s, ""))
	}
	path := filepath.Join(t.TempDir(), "endpoints.yaml")
	writeEndpoints(t, path, current...)
	gw := startLBGateway(t, path)

	l := newLoad(20_000)
	stop := make(chan struct{})
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		for {
			select {
			case <-stop:
				return
			default:
			}
			l.send(t, gw, 1)
		}
	}()
	listed := func(addr string) bool {
		return slices.ContainsFunc(gw.Scrape(t), func(s gatewayproc.Sample) bool {
			return s.Name == "otelcol_exporter_compression_endpoint_breaker_state" && s.Labels["endpoint"] == addr
		})
	}
	var removed []string
	for i := range 3 {
		time.Sleep(500 * time.Millisecond) // under load
		ns := e2etest.StartSink(t)
		inproc = append(inproc, ns)
		next := startLBSink(t, fmt.Sprint("new", i), ns, "")
		old := current[0]
		current = append(current[1:], next)
		writeEndpoints(t, path, current...)
		poll(t, 60*time.Second, 50*time.Millisecond, func() bool { return listed(next.addr) && !listed(old.addr) },
			"gateway follows the file")
		// Requests sent to the old sink before it was delisted finish (each
		// attempt ends within the 1s timeout) before it stops.
		sent := func() float64 {
			return gw.Metric(t, "otelcol_exporter_compression_endpoint_requests", map[string]string{"endpoint": old.addr})
		}
		last := sent()
		poll(t, 60*time.Second, 1500*time.Millisecond, func() bool {
			now := sent()
			done := now == last
			last = now
			return done
		}, "requests to the delisted sink %s finish", old.addr)
		require.NoError(t, old.proc.Stop(30*time.Second), "old sink stops cleanly")
		removed = append(removed, old.addr)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	<-loadDone
	d := settled(t, gw, l, inproc...)
	failed, bound := duplicateBound(t, gw)
	dups := d.received - len(d.unique)
	t.Logf("acknowledged %d spans, received %d (%d duplicates; %.0f failed requests), %d traces on two sinks",
		len(l.want), d.received, dups, failed, splitTraces(d))
	assert.LessOrEqual(t, dups, bound, "nothing lost (settled), nothing duplicated but for requests the gateway saw fail")
	for _, s := range inproc[3:] {
		assert.Positive(t, s.Traces.SpanCount(), "every new sink took traffic")
	}
	assert.Equal(t, 0.0, gw.Metric(t, "otelcol_exporter_queue_size", nil), "nothing stuck in the queue")
	for _, addr := range removed {
		assert.Zero(t, gw.Metric(t, "otelcol_exporter_compression_endpoint_requests", map[string]string{"endpoint": addr, "outcome": "failure"}),
			"nothing was sent to %s after it was delisted and stopped", addr)
	}
}

// lazy is a failure message part computed when the message is printed.
type lazy func() string

func (f lazy) String() string { return f() }

// breakerSamples prints the gateway's breaker metrics for a failure message.
func breakerSamples(t *testing.T, gw *e2etest.Gateway) string {
	t.Helper()
	var b strings.Builder
	for _, s := range gw.Scrape(t) {
		if strings.Contains(s.Name, "compression_endpoint") {
			fmt.Fprintf(&b, "%s %v %v\n", s.Name, s.Labels, s.Value)
		}
	}
	return b.String()
}
