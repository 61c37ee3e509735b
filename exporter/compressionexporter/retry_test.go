package compressionexporter

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
)

// withFastRetry enables exporterhelper's retry with short intervals.
func withFastRetry(cfg *Config) *Config {
	cfg.RetryConfig.Enabled = true
	cfg.RetryConfig.InitialInterval = 10 * time.Millisecond
	cfg.RetryConfig.MaxInterval = 50 * time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = 10 * time.Second
	return cfg
}

// flakyHTTPServer answers the first failures requests with status, then
// decodes and keeps the traces.
type flakyHTTPServer struct {
	mu       sync.Mutex
	status   int
	failures int
	calls    int
	traces   ptrace.Traces
}

func startFlakyHTTP(t *testing.T, status, failures int) (*flakyHTTPServer, string) {
	t.Helper()
	s := &flakyHTTPServer{status: status, failures: failures, traces: ptrace.NewTraces()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls++
		if s.calls <= s.failures {
			http.Error(w, "try again", s.status)
			return
		}
		body, _ := io.ReadAll(r.Body)
		c, ok := codec.Lookup(r.Header.Get("Content-Encoding"))
		if !ok {
			http.Error(w, "unknown encoding", http.StatusUnsupportedMediaType)
			return
		}
		raw, err := c.Decode(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(raw); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req.Traces().ResourceSpans().MoveAndAppendTo(s.traces.ResourceSpans())
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// TestRetryHTTPUntilDelivered: a server answering 503 twice gets the request
// a third time through exporterhelper's retry; the data arrives once, intact,
// and each attempt is counted with its outcome.
func TestRetryHTTPUntilDelivered(t *testing.T) {
	srv, url := startFlakyHTTP(t, http.StatusServiceUnavailable, 2)
	env := startExporters(t, withFastRetry(staticConfig(httpConfig(url), "zstd", 0)))
	td := workload.Traces(7, 60)
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), td))

	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Equal(t, 3, srv.calls, "two failures, one success")
	require.NoError(t, ptracetest.CompareTraces(td, srv.traces))
	assert.Equal(t, 2.0, env.sum(t, "otelcol_exporter_compression_requests", map[string]string{"codec": "zstd", "outcome": "failure"}))
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_requests", map[string]string{"codec": "zstd", "outcome": "success"}))
	assert.Equal(t, 0.0, env.sum(t, "otelcol_exporter_compression_fallbacks", nil), "a 503 is not a codec rejection")
}

// TestPermanentHTTPFailureReported: a 400 is not retried; the error reaches
// the caller (the pipeline reports it as dropped) and is counted.
func TestPermanentHTTPFailureReported(t *testing.T) {
	srv, url := startFlakyHTTP(t, http.StatusBadRequest, 100)
	env := startExporters(t, withFastRetry(staticConfig(httpConfig(url), "gzip", 0)))
	err := env.traces.ConsumeTraces(context.Background(), workload.Traces(8, 20))
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err), "400 is permanent: %v", err)
	assert.Contains(t, err.Error(), "HTTP status 400")
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Equal(t, 1, srv.calls, "not retried")
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_requests", map[string]string{"codec": "gzip", "outcome": "failure"}))
	assert.Equal(t, 0.0, env.sum(t, "otelcol_exporter_compression_bytes_compressed", nil), "bytes count delivered requests only")
}

// TestRetryGRPCUntilDelivered: codes.Unavailable is retried until the server
// accepts; the request arrives once, intact.
func TestRetryGRPCUntilDelivered(t *testing.T) {
	f := &fakeTraceServer{reject: map[string]bool{}, seen: map[string]int{}, traces: ptrace.NewTraces()}
	var mu sync.Mutex
	calls := 0
	srv := grpc.NewServer(grpc.UnaryInterceptor(
		func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			if n <= 2 {
				return nil, status.Error(codes.Unavailable, "backend warming up")
			}
			return handler(ctx, req)
		}))
	ptraceotlp.RegisterGRPCServer(srv, f)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	env := startExporters(t, withFastRetry(staticConfig(grpcConfig(lis.Addr().String()), "snappy", 0)))
	td := workload.Traces(9, 80)
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), td))
	mu.Lock()
	assert.Equal(t, 3, calls)
	mu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NoError(t, ptracetest.CompareTraces(td, f.traces))
	assert.Equal(t, 2.0, env.sum(t, "otelcol_exporter_compression_requests", map[string]string{"codec": "snappy", "outcome": "failure"}))
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_requests", map[string]string{"codec": "snappy", "outcome": "success"}))
}

// TestQueueBatchesRequests: exporterhelper's sending_queue batching merges
// small requests before the exporter compresses them: five requests of 100
// spans reach the server as one compressed request of 500.
func TestQueueBatchesRequests(t *testing.T) {
	srv, url := newRecordingHTTPServer(t)
	cfg := staticConfig(httpConfig(url), "zstd", 0)
	cm := confmap.NewFromStringMap(map[string]any{"sending_queue": map[string]any{
		"enabled": true, "sizer": "items", "queue_size": 100000, "num_consumers": 1,
		"batch": map[string]any{"flush_timeout": "10s", "min_size": 500, "sizer": "items"},
	}})
	require.NoError(t, cm.Unmarshal(cfg))
	env := startExporters(t, cfg)
	want := ptrace.NewTraces()
	for i := 0; i < 5; i++ {
		td := workload.Traces(uint64(700+i), 100)
		appendTraces(want, td)
		require.NoError(t, env.traces.ConsumeTraces(context.Background(), td))
	}
	require.Eventually(t, func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return srv.traces.SpanCount() == 500
	}, 10*time.Second, 10*time.Millisecond)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Equal(t, map[string]int{"zstd": 1}, srv.seen, "one batched request")
	require.NoError(t, ptracetest.CompareTraces(want, srv.traces, ptracetest.IgnoreResourceSpansOrder()))
}
