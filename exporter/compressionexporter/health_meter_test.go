package compressionexporter

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
	"github.com/otelgate/otelgate/extension/samplingstateextension"
	"github.com/otelgate/otelgate/internal/e2etest"
)

// newTestMeter returns a traces health meter on a manual clock, with a
// requests-sized sending queue of 20.
func newTestMeter(t *testing.T, weight float64) (*healthMeter, *time.Time) {
	t.Helper()
	id := component.MustNewID("sampling_state")
	cfg := grpcConfig("127.0.0.1:4317")
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"sending_queue": map[string]any{
		"enabled": true, "sizer": "requests", "queue_size": 20,
	}}).Unmarshal(cfg))
	cfg.Health = defaultHealthConfig()
	cfg.Health.SamplingState = &id
	cfg.Health.LatencyWeight = weight
	cfg.Health.ErrorWindow = 10 * time.Second
	require.NoError(t, cfg.Validate())
	h := newHealthMeter(cfg, exportertest.NewNopSettings(metadata.Type), "traces")
	clock := time.Unix(1_800_000_000, 0)
	h.now = func() time.Time { return clock }
	return h, &clock
}

// TestHealthLatencyDecaysWhenIdle: after a 4s export, an exporter that
// exports nothing more halves its latency average every error_window (10s);
// the next export averages with the decayed value; an export in flight holds
// the average however long it takes.
func TestHealthLatencyDecaysWhenIdle(t *testing.T) {
	h, clock := newTestMeter(t, 0.5)
	start := h.begin()
	*clock = clock.Add(4 * time.Second)
	h.attempt("r1", 1, start, nil)
	require.Equal(t, 4*time.Second, h.signal().LatencyEWMA)

	*clock = clock.Add(10 * time.Second)
	require.InDelta(t, float64(2*time.Second), float64(h.signal().LatencyEWMA), 1e3, "one error_window idle: half")
	*clock = clock.Add(20 * time.Second)
	require.InDelta(t, float64(500*time.Millisecond), float64(h.signal().LatencyEWMA), 1e3, "three error_windows idle: an eighth")

	// A 100ms export: 0.5s + 0.5*(0.1s-0.5s) = 0.3s.
	start = h.begin()
	*clock = clock.Add(100 * time.Millisecond)
	h.attempt("r2", 1, start, nil)
	require.InDelta(t, float64(300*time.Millisecond), float64(h.signal().LatencyEWMA), 1e3)

	// In flight for a minute: the backend has not answered, nothing decays.
	start = h.begin()
	*clock = clock.Add(time.Minute)
	require.InDelta(t, float64(300*time.Millisecond), float64(h.signal().LatencyEWMA), 1e3, "an export in flight holds the average")
	h.attempt("r3", 1, start, nil)
	require.InDelta(t, float64(300*time.Millisecond+(time.Minute-300*time.Millisecond)/2), float64(h.signal().LatencyEWMA), 1e3)
}

// takenAtOnce is a sending queue whose consumer takes every request out (and
// pushes it) before the producer's Consume returns, as a real queue consumer
// may; or, with refuse set, a full queue refusing every request.
type takenAtOnce struct {
	exporter.Traces
	push   func(context.Context, ptrace.Traces) error
	refuse bool
}

func (q takenAtOnce) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	if q.refuse {
		return errors.New("sending queue is full")
	}
	return q.push(ctx, td)
}

// TestHealthQueueCountsBeforeEnqueue: requests taken out by a consumer before
// Consume returns, and requests the queue refuses, leave the estimated fill
// at 0; requests held in the queue count.
func TestHealthQueueCountsBeforeEnqueue(t *testing.T) {
	h, _ := newTestMeter(t, 0.5)
	push := measured(h, func(context.Context, ptrace.Traces) error { return nil }, h.tracesSize)
	exp, err := h.traces(takenAtOnce{push: push}, nil)
	require.NoError(t, err)
	for i := range 10 {
		require.NoError(t, exp.ConsumeTraces(context.Background(), workload.Traces(uint64(i), 3)))
	}
	require.Zero(t, h.signal().QueueFill, "requests pushed before Consume returned are not in the queue")

	refusing, err := h.traces(takenAtOnce{refuse: true}, nil)
	require.NoError(t, err)
	for i := range 5 {
		require.Error(t, refusing.ConsumeTraces(context.Background(), workload.Traces(uint64(i), 3)))
	}
	require.Zero(t, h.signal().QueueFill, "refused requests are not in the queue")

	// Held: counted until a consumer takes them.
	held := 0
	holding, err := h.traces(takenAtOnce{push: func(context.Context, ptrace.Traces) error { held++; return nil }}, nil)
	require.NoError(t, err)
	for i := range 5 {
		require.NoError(t, holding.ConsumeTraces(context.Background(), workload.Traces(uint64(i), 3)))
	}
	require.Equal(t, 5, held)
	require.InDelta(t, 5.0/20, h.signal().QueueFill, 1e-12)
}

// TestHealthOpenBreakerShare: one of three balanced endpoints is dead; once
// its breaker opens, the published share of open breakers is 1/3, and
// nothing was lost on the way.
func TestHealthOpenBreakerShare(t *testing.T) {
	sinks := []*e2etest.Sink{e2etest.StartSink(t), e2etest.StartSink(t)}
	dead := e2etest.FreeAddr(t)
	exp, h := startHealthExporter(t, balancedConfig(sinks[0].GRPCEndpoint, dead, sinks[1].GRPCEndpoint))
	sent := 0
	for i := range 5 {
		td := workload.Traces(uint64(900+i), 200)
		sent += td.SpanCount()
		require.NoError(t, exp.ConsumeTraces(context.Background(), td))
	}
	s := waitHealth(t, h, "a third of the breakers open", func(s samplingstateextension.Signal) bool {
		return math.Abs(s.OpenBreakerShare-1.0/3) < 1e-12
	})
	require.Zero(t, s.QueueFill)
	require.Equal(t, sent, sinks[0].Traces.SpanCount()+sinks[1].Traces.SpanCount())
}
