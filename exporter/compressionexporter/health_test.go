package compressionexporter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
	"github.com/otelgate/otelgate/extension/samplingstateextension"
)

type extHost struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h extHost) GetExtensions() map[component.ID]component.Component { return h.ext }

// startHealthExporter starts a traces exporter publishing its health every
// 20ms to a real sampling_state extension, which it returns.
func startHealthExporter(t *testing.T, cfg *Config) (exporter.Traces, samplingstateextension.Health) {
	t.Helper()
	id := component.MustNewID("sampling_state")
	f := samplingstateextension.NewFactory()
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), f.CreateDefaultConfig())
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	cfg.Health.SamplingState = &id
	cfg.Health.PublishInterval = 20 * time.Millisecond
	cfg.Health.LatencyWeight = 0.5
	require.NoError(t, cfg.Validate())
	exp, err := NewFactory().CreateTraces(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), extHost{componenttest.NewNopHost(), map[component.ID]component.Component{id: ext}}))
	t.Cleanup(func() {
		require.NoError(t, exp.Shutdown(context.Background()))
		require.NoError(t, ext.Shutdown(context.Background()))
	})
	return exp, ext.(samplingstateextension.Health)
}

// gatedServer holds every request until open is closed, then answers after
// delay with status.
type gatedServer struct {
	open   chan struct{}
	delay  atomic.Int64
	status atomic.Int64
	served atomic.Int64
}

func startGatedServer(t *testing.T) (*gatedServer, string) {
	t.Helper()
	s := &gatedServer{open: make(chan struct{})}
	s.status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-s.open:
		case <-r.Context().Done():
			return
		}
		time.Sleep(time.Duration(s.delay.Load()))
		s.served.Add(1)
		if st := int(s.status.Load()); st != http.StatusOK {
			http.Error(w, "failing", st)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func waitHealth(t *testing.T, h samplingstateextension.Health, what string, ok func(samplingstateextension.Signal) bool) samplingstateextension.Signal {
	t.Helper()
	var last samplingstateextension.Signal
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s, n, err := h.CombinedHealth(context.Background())
		require.NoError(t, err)
		if n == 1 && ok(s) {
			return s
		}
		last = s
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("health never showed %s; last %+v", what, last)
	return last
}

// TestHealthQueueFillAndLatency: with one queue consumer blocked on a held
// request, nine more requests wait in a queue of 20: the published fill is
// 9/20 (10/20 until the consumer takes the first). Released with a 60ms delay per request, the queue drains to 0
// and the latency average reflects the delay.
func TestHealthQueueFillAndLatency(t *testing.T) {
	srv, url := startGatedServer(t)
	cfg := staticConfig(httpConfig(url), "zstd", 0)
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"sending_queue": map[string]any{
		"enabled": true, "sizer": "requests", "queue_size": 20, "num_consumers": 1,
	}}).Unmarshal(cfg))
	cfg.TimeoutConfig.Timeout = time.Minute // the held request must not time out
	exp, h := startHealthExporter(t, cfg)
	released := false
	t.Cleanup(func() { // a failed wait must not leave shutdown draining held requests
		if !released {
			close(srv.open)
		}
	})
	for i := range 10 {
		require.NoError(t, exp.ConsumeTraces(context.Background(), workload.Traces(uint64(i), 5)))
	}
	waitHealth(t, h, "queue fill 9/20 or 10/20", func(s samplingstateextension.Signal) bool { return s.QueueFill >= 0.45 && s.QueueFill <= 0.5 })

	srv.delay.Store(int64(60 * time.Millisecond))
	close(srv.open)
	released = true
	s := waitHealth(t, h, "an empty queue after 10 served", func(s samplingstateextension.Signal) bool {
		return s.QueueFill == 0 && srv.served.Load() == 10
	})
	require.GreaterOrEqual(t, s.LatencyEWMA, 55*time.Millisecond, "latency average of requests delayed 60ms")
	require.Zero(t, s.ErrorRate)
	require.Zero(t, s.OpenBreakerShare, "no breakers yet")
}

// TestHealthErrorRate: every request failing with a permanent error makes the
// error rate 1, and the failed requests leave the queue.
func TestHealthErrorRate(t *testing.T) {
	srv, url := startGatedServer(t)
	close(srv.open)
	srv.status.Store(http.StatusBadRequest)
	cfg := staticConfig(httpConfig(url), "zstd", 0)
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"sending_queue": map[string]any{
		"enabled": true, "sizer": "items", "queue_size": 1000, "num_consumers": 2,
	}}).Unmarshal(cfg))
	exp, h := startHealthExporter(t, withFastRetry(cfg))
	for i := range 6 {
		require.NoError(t, exp.ConsumeTraces(context.Background(), workload.Traces(uint64(i), 7)))
	}
	waitHealth(t, h, "error rate 1 and an empty queue", func(s samplingstateextension.Signal) bool {
		return s.ErrorRate == 1 && s.QueueFill == 0 && srv.served.Load() == 6
	})
}

func TestHealthConfigErrors(t *testing.T) {
	id := component.MustNewID("sampling_state")
	cfg := grpcConfig("127.0.0.1:4317")
	cfg.Health = HealthConfig{SamplingState: &id, LatencyWeight: 2}
	err := cfg.Validate()
	for _, want := range []string{
		"health.publish_interval: must be positive (got 0s)",
		"health.latency_weight: must be in (0, 1] (got 2)",
		"health.error_window: must be positive (got 0s)",
	} {
		require.ErrorContains(t, err, want)
	}
	cfg = grpcConfig("127.0.0.1:4317")
	cfg.Health = defaultHealthConfig()
	cfg.Health.SamplingState = &id
	exp, err := NewFactory().CreateTraces(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	err = exp.Start(context.Background(), componenttest.NewNopHost())
	require.Error(t, err)
	require.ErrorContains(t, err, `health.sampling_state: extension "sampling_state" not found`)
	require.NoError(t, exp.Shutdown(context.Background()))
}
