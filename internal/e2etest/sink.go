package e2etest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

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
	// A port can be taken by another process between FreeAddr and the bind;
	// then start again on fresh ports.
	var err error
	for range gatewayproc.StartAttempts {
		var stop func()
		stop, err = s.start(FreeAddr(t), FreeAddr(t))
		if err == nil {
			t.Cleanup(stop)
			return s
		}
		if !gatewayproc.IsAddrInUse(err.Error()) {
			break
		}
	}
	t.Fatalf("sink: %v", err)
	return nil
}

// start runs the sink's receivers on the given addresses; the returned
// function stops them.
func (s *Sink) start(grpcAddr, httpAddr string) (func(), error) {
	s.GRPCEndpoint = grpcAddr
	s.HTTPEndpoint = "http://" + httpAddr

	f := otlpreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*otlpreceiver.Config)
	grpcCfg := cfg.Protocols.GRPC.GetOrInsertDefault()
	grpcCfg.NetAddr.Endpoint = grpcAddr
	grpcCfg.MaxRecvMsgSizeMiB = 64
	httpCfg := cfg.Protocols.HTTP.GetOrInsertDefault()
	httpCfg.ServerConfig.NetAddr.Endpoint = httpAddr
	cfg.Protocols.GRPC = configoptional.Some(*grpcCfg)
	cfg.Protocols.HTTP = configoptional.Some(*httpCfg)

	set := receivertest.NewNopSettings(f.Type())
	ctx := context.Background()
	tr, err := f.CreateTraces(ctx, set, cfg, s.Traces)
	if err != nil {
		return nil, fmt.Errorf("traces receiver: %w", err)
	}
	mr, err := f.CreateMetrics(ctx, set, cfg, s.Metrics)
	if err != nil {
		return nil, fmt.Errorf("metrics receiver: %w", err)
	}
	lr, err := f.CreateLogs(ctx, set, cfg, s.Logs)
	if err != nil {
		return nil, fmt.Errorf("logs receiver: %w", err)
	}
	stop := func() {
		for _, r := range []component.Component{tr, mr, lr} {
			_ = r.Shutdown(context.Background())
		}
	}
	host := componenttest.NewNopHost()
	for _, r := range []component.Component{tr, mr, lr} {
		if err := r.Start(ctx, host); err != nil {
			stop()
			return nil, fmt.Errorf("start: %w", err)
		}
	}
	return stop, nil
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
