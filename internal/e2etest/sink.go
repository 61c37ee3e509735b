package e2etest

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// Sink is the collector's own OTLP receiver running in the test process
// (gRPC and HTTP), recording everything it receives.
type Sink struct {
	GRPCEndpoint string // host:port
	HTTPEndpoint string // http://host:port

	Traces  *consumertest.TracesSink
	Metrics *consumertest.MetricsSink
	Logs    *consumertest.LogsSink
}

// StartSink starts a Sink on free loopback ports; it stops at test cleanup.
func StartSink(t testing.TB) *Sink {
	t.Helper()
	s := &Sink{
		Traces:  new(consumertest.TracesSink),
		Metrics: new(consumertest.MetricsSink),
		Logs:    new(consumertest.LogsSink),
	}
	g, h, stop, err := gatewayproc.ServeOTLP(s.Traces, s.Metrics, s.Logs)
	if err != nil {
		t.Fatalf("sink: %v", err)
	}
	s.GRPCEndpoint, s.HTTPEndpoint = g, h
	t.Cleanup(stop)
	return s
}

// WaitForSpans waits until the sink holds at least n spans.
func (s *Sink) WaitForSpans(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	waitFor(t, "spans", n, timeout, s.Traces.SpanCount)
}

// WaitForDataPoints waits until the sink holds at least n metric data points.
func (s *Sink) WaitForDataPoints(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	waitFor(t, "data points", n, timeout, s.Metrics.DataPointCount)
}

// WaitForLogRecords waits until the sink holds at least n log records.
func (s *Sink) WaitForLogRecords(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	waitFor(t, "log records", n, timeout, s.Logs.LogRecordCount)
}

func waitFor(t testing.TB, what string, n int, timeout time.Duration, count func() int) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c := count()
		if c >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink: waited %s for %d %s, got %d", timeout, n, what, c)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// AllTraces returns a copy of everything the sink received, merged into one value.
func (s *Sink) AllTraces() ptrace.Traces {
	out := ptrace.NewTraces()
	for _, td := range s.Traces.AllTraces() {
		rss := ptrace.NewResourceSpansSlice()
		td.ResourceSpans().CopyTo(rss)
		rss.MoveAndAppendTo(out.ResourceSpans())
	}
	return out
}

// AllMetrics returns a copy of everything the sink received, merged into one value.
func (s *Sink) AllMetrics() pmetric.Metrics {
	out := pmetric.NewMetrics()
	for _, md := range s.Metrics.AllMetrics() {
		rms := pmetric.NewResourceMetricsSlice()
		md.ResourceMetrics().CopyTo(rms)
		rms.MoveAndAppendTo(out.ResourceMetrics())
	}
	return out
}

// AllLogs returns a copy of everything the sink received, merged into one value.
func (s *Sink) AllLogs() plog.Logs {
	out := plog.NewLogs()
	for _, ld := range s.Logs.AllLogs() {
		rls := plog.NewResourceLogsSlice()
		ld.ResourceLogs().CopyTo(rls)
		rls.MoveAndAppendTo(out.ResourceLogs())
	}
	return out
}

// Reset forgets everything received so far.
func (s *Sink) Reset() {
	s.Traces.Reset()
	s.Metrics.Reset()
	s.Logs.Reset()
}
