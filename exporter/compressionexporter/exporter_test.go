package compressionexporter

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
	"github.com/otelgate/otelgate/internal/e2etest"
)

// TestEveryCodecReachesRealReceiver sends traces, metrics and logs with every
// codec each protocol carries to the collector's own otlp receiver and finds
// exactly what was sent; the byte counters show the requests were compressed.
func TestEveryCodecReachesRealReceiver(t *testing.T) {
	sink := e2etest.StartSink(t)
	td, md, ld := workload.Traces(11, 300), workload.Metrics(12, 300), workload.Logs(13, 300)
	for _, proto := range []string{protocolGRPC, protocolHTTP} {
		for _, c := range transportCodecs[proto] {
			if c == "br" {
				continue // the collector's receiver does not decode brotli; see TestBrotli*
			}
			t.Run(proto+"/"+c, func(t *testing.T) {
				sink.Reset()
				cfg := grpcConfig(sink.GRPCEndpoint)
				if proto == protocolHTTP {
					cfg = httpConfig(sink.HTTPEndpoint)
				}
				env := startExporters(t, staticConfig(cfg, c, 0))
				ctx := context.Background()
				require.NoError(t, env.traces.ConsumeTraces(ctx, td))
				require.NoError(t, env.metrics.ConsumeMetrics(ctx, md))
				require.NoError(t, env.logs.ConsumeLogs(ctx, ld))

				require.NoError(t, ptracetest.CompareTraces(td, sink.AllTraces()))
				require.NoError(t, pmetrictest.CompareMetrics(md, sink.AllMetrics()))
				require.NoError(t, plogtest.CompareLogs(ld, sink.AllLogs()))

				attrs := map[string]string{"codec": c}
				assert.Equal(t, 3.0, env.sum(t, "otelcol_exporter_compression_requests", map[string]string{"codec": c, "outcome": "success"}))
				in := env.sum(t, "otelcol_exporter_compression_bytes_uncompressed", attrs)
				out := env.sum(t, "otelcol_exporter_compression_bytes_compressed", attrs)
				require.Positive(t, in)
				if c == codec.None {
					assert.Equal(t, in, out)
				} else {
					assert.Less(t, out, in/3, "%s should shrink OTLP at least 3x", c)
					assert.Positive(t, env.sum(t, "otelcol_exporter_compression_cpu_time", map[string]string{"codec": c, "phase": "send"}))
				}
				assert.Zero(t, env.sum(t, "otelcol_exporter_compression_fallbacks", nil))
			})
		}
	}
}

// recordingHTTPServer decodes requests with the exporter's own codecs,
// answering 415 for the codecs in reject; it counts requests per encoding.
type recordingHTTPServer struct {
	mu       sync.Mutex
	reject   map[string]bool
	seen     map[string]int
	traces   ptrace.Traces
	response []byte
}

func newRecordingHTTPServer(t *testing.T, reject ...string) (*recordingHTTPServer, string) {
	t.Helper()
	s := &recordingHTTPServer{reject: map[string]bool{}, seen: map[string]int{}, traces: ptrace.NewTraces()}
	for _, r := range reject {
		s.reject[r] = true
	}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func (s *recordingHTTPServer) serve(w http.ResponseWriter, r *http.Request) {
	ce := r.Header.Get("Content-Encoding")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[ce]++
	if s.reject[ce] {
		http.Error(w, "unsupported encoding "+ce, http.StatusUnsupportedMediaType)
		return
	}
	body, _ := io.ReadAll(r.Body)
	c, ok := codec.Lookup(ce)
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
	_, _ = w.Write(s.response)
}

// TestFallbackHTTP415 sends to a server that answers 415 to zstd: every
// request arrives (with gzip), the fallback is counted once, logged once, and
// later requests of every signal skip zstd.
func TestFallbackHTTP415(t *testing.T) {
	srv, url := newRecordingHTTPServer(t, "zstd")
	cfg := httpConfig(url)
	cfg.Allowed = []string{"zstd", "gzip", "none"}
	env := startExporters(t, staticConfig(cfg, "zstd", 3))
	want := ptrace.NewTraces()
	for i := 0; i < 5; i++ {
		td := workload.Traces(uint64(100+i), 50)
		appendTraces(want, td)
		require.NoError(t, env.traces.ConsumeTraces(context.Background(), td))
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	require.NoError(t, ptracetest.CompareTraces(want, srv.traces, ptracetest.IgnoreResourceSpansOrder()))
	assert.Equal(t, 250, srv.traces.SpanCount(), "nothing lost")
	assert.Equal(t, map[string]int{"zstd": 1, "gzip": 5}, srv.seen, "zstd tried once, then gzip for every request")
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_fallbacks", map[string]string{"from": "zstd", "to": "gzip", "signal": "traces"}))
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_requests", map[string]string{"codec": "zstd", "outcome": "rejected"}))
	assert.Equal(t, 5.0, env.sum(t, "otelcol_exporter_compression_requests", map[string]string{"codec": "gzip", "outcome": "success"}))
	assert.Equal(t, 1, env.logs2.FilterMessageSnippet("does not accept codec").Len(), "logged once")
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_choice", map[string]string{"signal": "traces", "codec": "gzip", "reason": "fallback"}))
}

// TestBrotliOnlyWhereAccepted: with accept_brotli, a server that decodes br
// gets brotli; the collector's receiver, which answers 400 "unsupported
// Content-Encoding", makes the exporter fall back without losing data.
func TestBrotliOnlyWhereAccepted(t *testing.T) {
	srv, url := newRecordingHTTPServer(t)
	cfg := httpConfig(url)
	cfg.AcceptBrotli = true
	env := startExporters(t, staticConfig(cfg, "br", 5))
	td := workload.Traces(7, 100)
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), td))
	srv.mu.Lock()
	assert.Equal(t, map[string]int{"br": 1}, srv.seen)
	require.NoError(t, ptracetest.CompareTraces(td, srv.traces))
	srv.mu.Unlock()

	sink := e2etest.StartSink(t)
	cfg = httpConfig(sink.HTTPEndpoint)
	cfg.AcceptBrotli = true
	cfg.Allowed = []string{"br", "zstd"}
	env = startExporters(t, staticConfig(cfg, "br", 5))
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), td))
	require.NoError(t, ptracetest.CompareTraces(td, sink.AllTraces()))
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_fallbacks", map[string]string{"from": "br", "to": "zstd"}))

	// Without accept_brotli, br is not even configurable.
	cfg.AcceptBrotli = false
	assert.ErrorContains(t, cfg.Validate(), `allowed[0]: codec "br" is not available on protocol "http"`)
}

// fakeTraceServer is an OTLP/gRPC trace server. It reads the request's
// grpc-encoding and answers as grpc-go does when a decompressor is missing
// for the encodings in reject.
type fakeTraceServer struct {
	ptraceotlp.UnimplementedGRPCServer
	mu       sync.Mutex
	reject   map[string]bool
	seen     map[string]int
	traces   ptrace.Traces
	response func() ptraceotlp.ExportResponse
}

type encodingKey struct{}

type encodingHandler struct{}

func (encodingHandler) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, encodingKey{}, new(string))
}

func (encodingHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if h, ok := s.(*stats.InHeader); ok {
		*ctx.Value(encodingKey{}).(*string) = h.Compression
	}
}
func (encodingHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (encodingHandler) HandleConn(context.Context, stats.ConnStats)                       {}

func startFakeGRPC(t *testing.T, reject ...string) (*fakeTraceServer, string) {
	t.Helper()
	f := &fakeTraceServer{reject: map[string]bool{}, seen: map[string]int{}, traces: ptrace.NewTraces()}
	for _, r := range reject {
		f.reject[r] = true
	}
	srv := grpc.NewServer(grpc.StatsHandler(encodingHandler{}), grpc.UnaryInterceptor(
		func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			enc := *ctx.Value(encodingKey{}).(*string)
			f.mu.Lock()
			f.seen[enc]++
			rejected := f.reject[enc]
			f.mu.Unlock()
			if rejected {
				return nil, status.Errorf(codes.Unimplemented, "grpc: Decompressor is not installed for grpc-encoding %q", enc)
			}
			return handler(ctx, req)
		}))
	ptraceotlp.RegisterGRPCServer(srv, f)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return f, lis.Addr().String()
}

func (f *fakeTraceServer) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	req.Traces().ResourceSpans().MoveAndAppendTo(f.traces.ResourceSpans())
	if f.response != nil {
		return f.response(), nil
	}
	return ptraceotlp.NewExportResponse(), nil
}

// TestFallbackGRPCWithoutZstd: a gRPC server without zstd rejects the first
// request; it is resent with gzip, nothing is lost, the fallback is counted.
func TestFallbackGRPCWithoutZstd(t *testing.T) {
	srv, addr := startFakeGRPC(t, "zstd")
	cfg := grpcConfig(addr)
	cfg.Allowed = []string{"zstd", "gzip"}
	env := startExporters(t, staticConfig(cfg, "zstd", 3))
	want := ptrace.NewTraces()
	for i := 0; i < 4; i++ {
		td := workload.Traces(uint64(200+i), 40)
		appendTraces(want, td)
		require.NoError(t, env.traces.ConsumeTraces(context.Background(), td))
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Equal(t, 160, srv.traces.SpanCount(), "nothing lost")
	require.NoError(t, ptracetest.CompareTraces(want, srv.traces, ptracetest.IgnoreResourceSpansOrder()))
	assert.Equal(t, map[string]int{"zstd": 1, "gzip": 4}, srv.seen)
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_fallbacks", map[string]string{"from": "zstd", "to": "gzip"}))
	assert.Equal(t, 1, env.logs2.FilterMessageSnippet("does not accept codec").Len())
}

// TestFallbackEndsUncompressed: when every allowed codec is rejected, the
// request still goes out uncompressed.
func TestFallbackEndsUncompressed(t *testing.T) {
	srv, addr := startFakeGRPC(t, "zstd", "gzip", "snappy")
	cfg := grpcConfig(addr)
	cfg.Allowed = []string{"zstd", "gzip", "snappy"}
	env := startExporters(t, staticConfig(cfg, "gzip", 0))
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), workload.Traces(1, 30)))
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Equal(t, 30, srv.traces.SpanCount())
	assert.Equal(t, map[string]int{"gzip": 1, "snappy": 1, "zstd": 1, "identity": 1}, normalize(srv.seen))
	assert.Equal(t, 3.0, env.sum(t, "otelcol_exporter_compression_fallbacks", nil))
}

func normalize(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if k == "" {
			k = "identity"
		}
		out[k] += v
	}
	return out
}

// TestPartialSuccessReported: a partial-success answer is logged with the
// rejected count on both protocols, and the request counts as delivered.
func TestPartialSuccessReported(t *testing.T) {
	partial := func() ptraceotlp.ExportResponse {
		r := ptraceotlp.NewExportResponse()
		r.PartialSuccess().SetRejectedSpans(3)
		r.PartialSuccess().SetErrorMessage("3 spans too old")
		return r
	}
	srv, addr := startFakeGRPC(t)
	srv.response = partial
	env := startExporters(t, staticConfig(grpcConfig(addr), "zstd", 0))
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), workload.Traces(1, 10)))
	entries := env.logs2.FilterMessage("Partial success response").All()
	require.Len(t, entries, 1)
	assert.Equal(t, int64(3), entries[0].ContextMap()["dropped_spans"])
	assert.Equal(t, "3 spans too old", entries[0].ContextMap()["message"])

	hsrv, url := newRecordingHTTPServer(t)
	hsrv.response, _ = partial().MarshalProto()
	env = startExporters(t, staticConfig(httpConfig(url), "gzip", 0))
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), workload.Traces(1, 10)))
	entries = env.logs2.FilterMessage("Partial success response").All()
	require.Len(t, entries, 1)
	assert.Equal(t, int64(3), entries[0].ContextMap()["dropped_spans"])
}

func TestClassifyHTTP(t *testing.T) {
	classify := func(code int, body []byte, wireCodec string, hdr ...string) error {
		h := http.Header{}
		if len(hdr) == 2 {
			h.Set(hdr[0], hdr[1])
		}
		return classifyHTTP(code, h, body, "u", wireCodec)
	}
	var rej *codecRejectedError
	require.ErrorAs(t, classify(415, nil, "zstd"), &rej)
	require.ErrorAs(t, classify(400, []byte("unsupported Content-Encoding: br"), "br"), &rej)
	err := classify(415, nil, codec.None)
	assert.True(t, consumererror.IsPermanent(err), "415 without compression is a content problem, not a codec one")
	assert.True(t, consumererror.IsPermanent(classify(400, []byte("bad"), "gzip")))
	err = classify(503, nil, "gzip", "Retry-After", "7")
	assert.False(t, consumererror.IsPermanent(err))
	assert.Contains(t, err.Error(), "Throttle (7s)")
	err = classify(429, nil, "gzip")
	assert.False(t, consumererror.IsPermanent(err))
	assert.NotContains(t, err.Error(), "Throttle")
	assert.False(t, consumererror.IsPermanent(classify(502, nil, "gzip")))
}

func TestClassifyGRPC(t *testing.T) {
	var rej *codecRejectedError
	require.ErrorAs(t, classifyGRPC(status.Error(codes.Unimplemented, `grpc: Decompressor is not installed for grpc-encoding "zstd"`), "zstd"), &rej)
	require.ErrorAs(t, classifyGRPC(status.Error(codes.Internal, `grpc: Compressor is not installed for requested grpc-encoding "snappy"`), "snappy"), &rej)
	assert.True(t, consumererror.IsPermanent(classifyGRPC(status.Error(codes.Unimplemented, "unknown service"), "zstd")))
	assert.True(t, consumererror.IsPermanent(classifyGRPC(status.Error(codes.InvalidArgument, "bad"), "zstd")))
	assert.True(t, consumererror.IsPermanent(classifyGRPC(status.Error(codes.ResourceExhausted, "full"), "zstd")))
	assert.False(t, consumererror.IsPermanent(classifyGRPC(status.Error(codes.Unavailable, "down"), "zstd")))
	assert.NoError(t, classifyGRPC(status.Error(codes.OK, ""), "zstd"))
}

// TestMinSizeSendsSmallRequestsUncompressed: below min_size the request goes
// out with no encoding; above, with the policy's codec.
func TestMinSizeSendsSmallRequestsUncompressed(t *testing.T) {
	srv, url := newRecordingHTTPServer(t)
	cfg := staticConfig(httpConfig(url), "zstd", 0)
	cfg.MinSize = 4096
	env := startExporters(t, cfg)
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), workload.Traces(1, 2)))   // a few hundred bytes
	require.NoError(t, env.traces.ConsumeTraces(context.Background(), workload.Traces(2, 200))) // tens of kilobytes
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Equal(t, map[string]int{"": 1, "zstd": 1}, srv.seen)
	assert.Equal(t, 202, srv.traces.SpanCount())
}

// TestBySignal: each signal uses its own codec.
func TestBySignal(t *testing.T) {
	sink := e2etest.StartSink(t)
	cfg := httpConfig(sink.HTTPEndpoint)
	cfg.Policy = policyBySignal
	cfg.BySignal = BySignalConfig{Traces: CodecConfig{Codec: "zstd"}, Metrics: CodecConfig{Codec: "gzip"}, Logs: CodecConfig{Codec: "lz4"}}
	env := startExporters(t, cfg)
	ctx := context.Background()
	require.NoError(t, env.traces.ConsumeTraces(ctx, workload.Traces(1, 50)))
	require.NoError(t, env.metrics.ConsumeMetrics(ctx, workload.Metrics(1, 50)))
	require.NoError(t, env.logs.ConsumeLogs(ctx, workload.Logs(1, 50)))
	for sig, c := range map[string]string{"traces": "zstd", "metrics": "gzip", "logs": "lz4"} {
		assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_requests", map[string]string{"signal": sig, "codec": c}), sig)
		assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_choice", map[string]string{"signal": sig, "codec": c, "reason": "by_signal"}), sig)
	}
	assert.Equal(t, 50, sink.AllTraces().SpanCount())
	assert.Equal(t, 50, sink.AllLogs().LogRecordCount())
}

// TestAdaptiveSwitchesAndDelivers: with a slow link the adaptive policy
// moves from its initial codec to the candidate with the fewest bytes in
// its trials, reports the trial CPU, and data keeps arriving intact.
func TestAdaptiveSwitchesAndDelivers(t *testing.T) {
	sink := e2etest.StartSink(t)
	cfg := grpcConfig(sink.GRPCEndpoint)
	cfg.Policy = policyAdaptive
	cfg.Adaptive.EvaluationInterval = 5 * time.Millisecond
	cfg.Adaptive.SampleShare = 1
	cfg.Adaptive.LinkBytesPerSecond = 1000
	cfg.Adaptive.Levels = map[string][]int{"zstd": {1, 11}, "gzip": {1}}
	env := startExporters(t, cfg)
	ctx := context.Background()
	want := ptrace.NewTraces()
	td := workload.Traces(3, 400)
	appendTraces(want, td)
	require.NoError(t, env.traces.ConsumeTraces(ctx, td))
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_requests", map[string]string{"codec": "zstd"}), "initial choice zstd:1")

	require.Eventually(t, func() bool {
		return env.sum(t, "otelcol_exporter_compression_choice", map[string]string{"signal": "traces", "reason": policy.ReasonLowestCost}) == 1
	}, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, 1.0, env.sum(t, "otelcol_exporter_compression_choice", map[string]string{"signal": "traces", "codec": "zstd", "level": "11"}),
		"zstd 11 writes the fewest bytes among zstd 1/11, gzip 1, snappy, none")
	assert.Positive(t, env.sum(t, "otelcol_exporter_compression_cpu_time", map[string]string{"phase": "trial"}))

	td = workload.Traces(4, 400)
	appendTraces(want, td)
	require.NoError(t, env.traces.ConsumeTraces(ctx, td))
	require.NoError(t, ptracetest.CompareTraces(want, sink.AllTraces(), ptracetest.IgnoreResourceSpansOrder()))
	assert.Equal(t, 1000.0, env.sum(t, "otelcol_exporter_compression_link_throughput", map[string]string{"signal": "traces"}))
}

func TestNegotiationOrder(t *testing.T) {
	n := newNegotiation([]string{"zstd", "none", "gzip", "snappy"})
	assert.Equal(t, []string{"zstd", "gzip", "snappy", "none"}, n.order, "none moves last")
	assert.Equal(t, "zstd", n.resolve("zstd"))
	assert.True(t, n.reject("zstd"))
	assert.False(t, n.reject("zstd"), "second rejection is not new")
	assert.Equal(t, "gzip", n.resolve("zstd"))
	assert.Equal(t, "gzip", n.resolve("br"), "a codec outside the list resolves to the first usable one")
	n.reject("gzip")
	n.reject("snappy")
	assert.Equal(t, "none", n.resolve("zstd"))
	assert.False(t, n.usable("zstd"))
	assert.True(t, n.usable("none"))
}

// appendTraces appends a copy of td's resource spans to want.
func appendTraces(want, td ptrace.Traces) {
	c := ptrace.NewTraces()
	td.CopyTo(c)
	c.ResourceSpans().MoveAndAppendTo(want.ResourceSpans())
}

// TestEndpointCredentialsNotInErrors: a failed request's error shows the
// endpoint without its password.
func TestEndpointCredentialsNotInErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	url := strings.Replace(srv.URL, "http://", "http://user:s3cr3t-pass@", 1)
	env := startExporters(t, staticConfig(httpConfig(url), "gzip", 0))
	err := env.traces.ConsumeTraces(context.Background(), workload.Traces(1, 5))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cr3t-pass")
	assert.Contains(t, err.Error(), "HTTP status 400")

	env = startExporters(t, staticConfig(httpConfig("http://user:s3cr3t-pass@127.0.0.1:1"), "gzip", 0)) // nothing listens
	err = env.traces.ConsumeTraces(context.Background(), workload.Traces(1, 5))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cr3t-pass")
}
