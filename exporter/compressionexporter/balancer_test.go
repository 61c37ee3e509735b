package compressionexporter

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/ring"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
	"github.com/otelgate/otelgate/internal/e2etest"
)

// balancedConfig sends to the given gRPC endpoints without a queue, with
// fast retries, and a breaker that opens after one failure.
func balancedConfig(endpoints ...string) *Config {
	cfg := withFastRetry(staticConfig(grpcConfig(""), "zstd", 1))
	cfg.Endpoints.Static = endpoints
	cfg.Endpoints.CircuitBreaker = CircuitBreakerConfig{FailureThreshold: 1, CoolDown: time.Hour, HalfOpenProbes: 1}
	cfg.TimeoutConfig.Timeout = 2 * time.Second
	return cfg
}

// spansByTrace maps every trace ID in td to its span count.
func spansByTrace(td ptrace.Traces) map[pcommon.TraceID]int {
	out := map[pcommon.TraceID]int{}
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				out[s.TraceID()]++
			}
		}
	}
	return out
}

// TestBalancerTracesStayOnOneSink: with three sinks every span arrives
// exactly once, every trace on exactly one sink, the one the ring names,
// and every sink gets some.
func TestBalancerTracesStayOnOneSink(t *testing.T) {
	sinks := []*e2etest.Sink{e2etest.StartSink(t), e2etest.StartSink(t), e2etest.StartSink(t)}
	var eps []string
	for _, s := range sinks {
		eps = append(eps, s.GRPCEndpoint)
	}
	env := startExporters(t, balancedConfig(eps...))
	want := map[pcommon.TraceID]int{}
	for i := range 10 {
		td := workload.Traces(uint64(700+i), 300)
		for id, n := range spansByTrace(td) {
			want[id] += n
		}
		require.NoError(t, env.traces.ConsumeTraces(context.Background(), td))
	}
	r := ring.New(eps)
	got := map[pcommon.TraceID]int{}
	for i, s := range sinks {
		per := spansByTrace(s.AllTraces())
		assert.NotEmpty(t, per, "sink %d got nothing", i)
		for id, n := range per {
			_, dup := got[id]
			assert.False(t, dup, "trace %s on two sinks", id)
			got[id] = n
			c, _ := r.Pick(ring.KeyHash(id[:]), nil)
			assert.Equal(t, s.GRPCEndpoint, r.Names()[c], "trace on the ring's endpoint")
		}
	}
	assert.Equal(t, want, got, "every span exactly once")
	assert.Equal(t, 3000.0, float64(countSpans(sinks)))
	assert.Zero(t, env.sum(t, "otelcol_exporter_compression_endpoint_reroutes", nil))
}

func countSpans(sinks []*e2etest.Sink) int {
	n := 0
	for _, s := range sinks {
		n += s.Traces.SpanCount()
	}
	return n
}

// TestBalancerDeadEndpointFailsOverInRingOrder: one of three endpoints
// refuses connections. Its traces go to the second endpoint of their own
// ring order, nothing is lost, its breaker is open and counted.
func TestBalancerDeadEndpointFailsOverInRingOrder(t *testing.T) {
	sinks := []*e2etest.Sink{e2etest.StartSink(t), e2etest.StartSink(t)}
	dead := e2etest.FreeAddr(t)
	eps := []string{sinks[0].GRPCEndpoint, dead, sinks[1].GRPCEndpoint}
	env := startExporters(t, balancedConfig(eps...))
	want := map[pcommon.TraceID]int{}
	for i := range 10 {
		td := workload.Traces(uint64(800+i), 300)
		for id, n := range spansByTrace(td) {
			want[id] += n
		}
		require.NoError(t, env.traces.ConsumeTraces(context.Background(), td))
	}
	r := ring.New(eps)
	got := map[pcommon.TraceID]int{}
	rerouted := 0
	for _, s := range sinks {
		for id, n := range spansByTrace(s.AllTraces()) {
			_, dup := got[id]
			assert.False(t, dup, "trace %s on two sinks", id)
			got[id] = n
			order := r.Order(ring.KeyHash(id[:]))
			expect := r.Names()[order[0]]
			if expect == dead {
				expect = r.Names()[order[1]]
				rerouted += n
			}
			assert.Equal(t, s.GRPCEndpoint, expect)
		}
	}
	assert.Equal(t, want, got, "nothing lost")
	assert.Positive(t, rerouted)
	assert.Equal(t, 2.0, env.sum(t, "otelcol_exporter_compression_endpoint_breaker_state", map[string]string{"endpoint": dead, "signal": "traces"}))
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_endpoint_breaker_transitions", map[string]string{"endpoint": dead, "from": "closed", "to": "open"}))
	// Only the first request hit the dead endpoint (threshold 1); the
	// spans of later requests were routed around it up front.
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_endpoint_requests", map[string]string{"endpoint": dead, "outcome": "failure"}))
	assert.Positive(t, env.sum(t, "otelcol_exporter_compression_endpoint_reroutes", map[string]string{"signal": "traces"}))
	assert.LessOrEqual(t, env.sum(t, "otelcol_exporter_compression_endpoint_reroutes", map[string]string{"signal": "traces"}), float64(rerouted))
}

// TestBalancerResendsOnlyTheFailedPart: one endpoint answers 503 three
// times. The retries re-send only its part: the healthy endpoint receives
// each of its spans once.
func TestBalancerResendsOnlyTheFailedPart(t *testing.T) {
	flaky, flakyURL := startFlakyHTTP(t, http.StatusServiceUnavailable, 3)
	sink := e2etest.StartSink(t)
	cfg := balancedConfig(flakyURL, sink.HTTPEndpoint)
	cfg.Protocol = protocolHTTP
	cfg.Endpoints.CircuitBreaker.FailureThreshold = 10 // stays closed: the retry goes back to the flaky one
	env := startExporters(t, cfg)
	td := workload.Traces(900, 600)
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), td))

	flaky.mu.Lock()
	defer flaky.mu.Unlock()
	assert.Equal(t, 4, flaky.calls, "three 503s and the delivery")
	assert.Equal(t, td.SpanCount(), flaky.traces.SpanCount()+sink.Traces.SpanCount(), "nothing lost")
	assert.Len(t, sink.Traces.AllTraces(), 1, "the healthy endpoint got its part once")
	assert.Equal(t, 3.0, env.sum(t, "otelcol_exporter_compression_endpoint_requests", map[string]string{"endpoint": flakyURL, "outcome": "failure"}))
	assert.Equal(t, 0.0, env.sum(t, "otelcol_exporter_compression_endpoint_breaker_transitions", nil))
}

// TestBalancerPermanentErrorKeepsBreakerClosed: a 400 is the data's fault,
// not the endpoint's: dropped, reported, breaker closed.
func TestBalancerPermanentErrorKeepsBreakerClosed(t *testing.T) {
	_, badURL := startFlakyHTTP(t, http.StatusBadRequest, 100)
	cfg := balancedConfig(badURL)
	cfg.Protocol = protocolHTTP
	env := startExporters(t, cfg)
	for i := range 3 {
		err := env.traces.ConsumeTraces(context.Background(), workload.Traces(uint64(950+i), 50))
		require.Error(t, err)
	}
	assert.Equal(t, 3.0, env.sum(t, "otelcol_exporter_compression_endpoint_requests", map[string]string{"outcome": "permanent"}))
	assert.Equal(t, 0.0, env.sum(t, "otelcol_exporter_compression_endpoint_breaker_transitions", nil))
	assert.Equal(t, 0.0, env.sum(t, "otelcol_exporter_compression_endpoint_breaker_state", nil))
}

// TestBalancerAllOpenKeepsTrying: the only endpoint is down, its breaker
// opens, and data is still delivered once it comes up (the queue is not
// drained into the void).
func TestBalancerAllOpenKeepsTrying(t *testing.T) {
	addr := e2etest.FreeAddr(t)
	cfg := balancedConfig(addr)
	cfg.RetryConfig.MaxElapsedTime = 30 * time.Second
	env := startExporters(t, cfg)
	done := make(chan error, 1)
	go func() { done <- env.traces.ConsumeTraces(context.Background(), workload.Traces(990, 100)) }()
	require.Eventually(t, func() bool {
		return env.sum(t, "otelcol_exporter_compression_endpoint_requests", map[string]string{"outcome": "failure"}) >= 3
	}, 20*time.Second, 10*time.Millisecond, "retries keep going to the open endpoint")
	assert.Equal(t, 2.0, env.sum(t, "otelcol_exporter_compression_endpoint_breaker_state", nil))
	got := startFakeGRPCAt(t, addr)
	require.NoError(t, <-done)
	got.mu.Lock()
	defer got.mu.Unlock()
	assert.Equal(t, 100, got.traces.SpanCount())
}

// TestBalancerFileResolverMovesTraffic: endpoints follow the file; a
// removed endpoint gets nothing more, a new one gets its share.
func TestBalancerFileResolverMovesTraffic(t *testing.T) {
	a, b := e2etest.StartSink(t), e2etest.StartSink(t)
	path := filepath.Join(t.TempDir(), "endpoints.yaml")
	require.NoError(t, os.WriteFile(path, []byte("- endpoint: "+a.GRPCEndpoint+"\n- {endpoint: "+b.GRPCEndpoint+", ready: false}\n"), 0o600))
	cfg := balancedConfig()
	cfg.Endpoints.File = configoptional.Some(FileResolverConfig{Path: path, PollInterval: 10 * time.Millisecond, Debounce: 20 * time.Millisecond})
	env := startExporters(t, cfg)
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), workload.Traces(1, 200)))
	assert.Equal(t, 200, a.Traces.SpanCount())
	assert.Equal(t, 0, b.Traces.SpanCount(), "not ready")

	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte("- endpoint: "+b.GRPCEndpoint+"\n"), 0o600))
	require.NoError(t, os.Rename(tmp, path))
	require.Eventually(t, func() bool {
		return assert.ObjectsAreEqual([]string{b.GRPCEndpoint}, metricEndpoints(t, env))
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), workload.Traces(2, 200)))
	assert.Equal(t, 200, a.Traces.SpanCount(), "removed endpoint gets nothing more")
	assert.Equal(t, 200, b.Traces.SpanCount())
}

// metricEndpoints lists the endpoints the traces breaker-state gauge reports now.
func metricEndpoints(t *testing.T, env *testEnv) []string {
	t.Helper()
	m, err := env.tel.GetMetric("otelcol_exporter_compression_endpoint_breaker_state")
	if err != nil {
		return nil
	}
	var out []string
	for _, dp := range m.Data.(metricdata.Gauge[int64]).DataPoints {
		if sig, _ := dp.Attributes.Value("signal"); sig.AsString() == "traces" {
			ep, _ := dp.Attributes.Value("endpoint")
			out = append(out, ep.AsString())
		}
	}
	return out
}

// startFakeGRPCAt serves the OTLP trace service on addr.
func startFakeGRPCAt(t *testing.T, addr string) *fakeTraceServer {
	t.Helper()
	f := &fakeTraceServer{reject: map[string]bool{}, seen: map[string]int{}, traces: ptrace.NewTraces()}
	srv := grpc.NewServer()
	ptraceotlp.RegisterGRPCServer(srv, f)
	lis, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return f
}

// TestBalancerHealthCheckOpensIdleBreaker: with health checks on, a dead
// endpoint's breaker opens without any traffic, and the live one's stays closed.
func TestBalancerHealthCheckOpensIdleBreaker(t *testing.T) {
	sink := e2etest.StartSink(t)
	dead := e2etest.FreeAddr(t)
	cfg := balancedConfig(sink.GRPCEndpoint, dead)
	cfg.Endpoints.CircuitBreaker.FailureThreshold = 2
	cfg.Endpoints.HealthCheck = HealthCheckConfig{Enabled: true, Interval: 20 * time.Millisecond, Timeout: time.Second, Path: "/"}
	env := startExporters(t, cfg)
	require.Eventually(t, func() bool {
		return env.sum(t, "otelcol_exporter_compression_endpoint_breaker_state", map[string]string{"endpoint": dead, "signal": "logs"}) == 2
	}, 20*time.Second, 10*time.Millisecond)
	assert.Equal(t, 0.0, env.sum(t, "otelcol_exporter_compression_endpoint_breaker_state", map[string]string{"endpoint": sink.GRPCEndpoint}))
	assert.Zero(t, env.sum(t, "otelcol_exporter_compression_endpoint_requests", nil), "no request was needed")
}

// TestRoutesKeepKeysTogether: every routing key puts all items of one key
// on one destination and loses or duplicates nothing.
func TestRoutesKeepKeysTogether(t *testing.T) {
	r := ring.New([]string{"a", "b", "c", "d", "e"})
	pick := func(k uint64) int { c, _ := r.Pick(k, nil); return c }
	td := workload.Traces(5, 2000)
	for _, key := range []string{routingTraceID, routingService, routingResource} {
		parts := tracesRoute(td, key, pick)
		where := map[string]int{}
		total := 0
		for d, part := range parts {
			total += part.SpanCount()
			for _, rs := range part.ResourceSpans().All() {
				svc, _ := rs.Resource().Attributes().Get("service.name")
				for _, ss := range rs.ScopeSpans().All() {
					for _, s := range ss.Spans().All() {
						id := s.TraceID()
						k := string(id[:])
						switch key {
						case routingService:
							k = svc.AsString()
						case routingResource:
							k = fmt.Sprint(rs.Resource().Attributes().AsRaw())
						}
						if prev, ok := where[k]; ok {
							require.Equal(t, prev, d, "%s: key split across destinations", key)
						}
						where[k] = d
					}
				}
			}
		}
		assert.Equal(t, td.SpanCount(), total, key)
		assert.Greater(t, len(parts), 1, "%s: spread over several destinations", key)
	}

	md := workload.Metrics(6, 3000)
	for _, key := range []string{routingService, routingResource, routingMetric, routingStream} {
		parts := metricsRoute(md, key, pick)
		total := 0
		where := map[string]int{}
		for d, part := range parts {
			total += part.DataPointCount()
			for _, rm := range part.ResourceMetrics().All() {
				svc, _ := rm.Resource().Attributes().Get("service.name")
				for _, sm := range rm.ScopeMetrics().All() {
					for _, m := range sm.Metrics().All() {
						for _, attrs := range pointAttrs(m) {
							k := svc.AsString()
							switch key {
							case routingResource:
								k = fmt.Sprint(rm.Resource().Attributes().AsRaw())
							case routingMetric:
								k = m.Name()
							case routingStream:
								k = fmt.Sprint(rm.Resource().Attributes().AsRaw()) + "/" + sm.Scope().Name() + "/" + m.Name() + "/" + attrs
							}
							if prev, ok := where[k]; ok {
								require.Equal(t, prev, d, "%s: key %s split across destinations", key, k)
							}
							where[k] = d
						}
					}
				}
			}
		}
		assert.Equal(t, md.DataPointCount(), total, key)
		assert.Greater(t, len(parts), 1, "%s: spread over several destinations", key)
	}

	ld := workload.Logs(7, 2000)
	parts := logsRoute(ld, routingTraceID, pick)
	total := 0
	for _, p := range parts {
		total += p.LogRecordCount()
	}
	assert.Equal(t, ld.LogRecordCount(), total)
	assert.Empty(t, tracesRoute(ptrace.NewTraces(), routingTraceID, pick))
	assert.Empty(t, logsRoute(plog.NewLogs(), routingTraceID, pick))
	assert.Empty(t, metricsRoute(pmetric.NewMetrics(), routingStream, pick))
}

// pointAttrs returns each data point's attributes, printed in key order.
func pointAttrs(m pmetric.Metric) []string {
	var out []string
	add := func(a pcommon.Map) { out = append(out, fmt.Sprint(a.AsRaw())) }
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		for _, dp := range m.Gauge().DataPoints().All() {
			add(dp.Attributes())
		}
	case pmetric.MetricTypeSum:
		for _, dp := range m.Sum().DataPoints().All() {
			add(dp.Attributes())
		}
	case pmetric.MetricTypeHistogram:
		for _, dp := range m.Histogram().DataPoints().All() {
			add(dp.Attributes())
		}
	case pmetric.MetricTypeExponentialHistogram:
		for _, dp := range m.ExponentialHistogram().DataPoints().All() {
			add(dp.Attributes())
		}
	case pmetric.MetricTypeSummary:
		for _, dp := range m.Summary().DataPoints().All() {
			add(dp.Attributes())
		}
	}
	return out
}

// TestSplitBufListKeepsBuffersAcrossCollections: split buffers handed back
// survive garbage collections (a sync.Pool would drop them), at most
// splitBufsKept of them, none larger than maxKeptSplitBuf.
func TestSplitBufListKeepsBuffersAcrossCollections(t *testing.T) {
	l := make(bufList, splitBufsKept)
	var bufs []*[]byte
	for range splitBufsKept + 2 {
		b := l.get()
		*b = make([]byte, 1<<20)
		bufs = append(bufs, b)
	}
	for _, b := range bufs {
		l.put(b)
	}
	runtime.GC()
	runtime.GC()
	for i := range splitBufsKept {
		assert.Same(t, bufs[i], l.get(), "buffer %d kept", i)
	}
	assert.Zero(t, cap(*l.get()), "no more than splitBufsKept are kept")
	big := new([]byte)
	*big = make([]byte, maxKeptSplitBuf+1)
	l.put(big)
	assert.Zero(t, cap(*l.get()), "a buffer larger than maxKeptSplitBuf is not kept")
}
