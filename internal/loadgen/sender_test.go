package loadgen

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"google.golang.org/grpc"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startReceiver runs the collector's OTLP receiver on loopback (gRPC and
// HTTP) feeding the given consumers; it returns both endpoints.
func startReceiver(t *testing.T, tc consumer.Traces, mc consumer.Metrics, lc consumer.Logs) (grpcAddr, httpAddr string) {
	t.Helper()
	grpcAddr, httpAddr = freeAddr(t), freeAddr(t)
	f := otlpreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*otlpreceiver.Config)
	g := cfg.Protocols.GRPC.GetOrInsertDefault()
	g.NetAddr.Endpoint = grpcAddr
	h := cfg.Protocols.HTTP.GetOrInsertDefault()
	h.ServerConfig.NetAddr.Endpoint = httpAddr
	cfg.Protocols.GRPC = configoptional.Some(*g)
	cfg.Protocols.HTTP = configoptional.Some(*h)

	set := receivertest.NewNopSettings(f.Type())
	ctx := context.Background()
	tr, err := f.CreateTraces(ctx, set, cfg, tc)
	if err != nil {
		t.Fatal(err)
	}
	mr, err := f.CreateMetrics(ctx, set, cfg, mc)
	if err != nil {
		t.Fatal(err)
	}
	lr, err := f.CreateLogs(ctx, set, cfg, lc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []component.Component{tr, mr, lr} {
		if err := c.Start(ctx, componenttest.NewNopHost()); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, c := range []component.Component{tr, mr, lr} {
			_ = c.Shutdown(context.Background())
		}
	})
	return grpcAddr, httpAddr
}

func checkAccounting(t *testing.T, s SignalResult) {
	t.Helper()
	if s.Items != s.Acknowledged+s.Rejected+s.FailedItems {
		t.Fatalf("%s: items %d != acknowledged %d + rejected %d + failed %d", s.Signal, s.Items, s.Acknowledged, s.Rejected, s.FailedItems)
	}
}

// Everything sent is acknowledged and received, and what arrives is
// exactly what a generator with the same seed predicts.
func TestRunDeliversExactlyWhatIsPredicted(t *testing.T) {
	for _, proto := range []Protocol{ProtocolGRPC, ProtocolHTTP} {
		t.Run(string(proto), func(t *testing.T) {
			traces, metrics, logs := new(consumertest.TracesSink), new(consumertest.MetricsSink), new(consumertest.LogsSink)
			grpcAddr, httpAddr := startReceiver(t, traces, metrics, logs)
			endpoint := grpcAddr
			if proto == ProtocolHTTP {
				endpoint = "http://" + httpAddr
			}
			gen := testConfig(11)
			cfg := RunConfig{
				Endpoint:    endpoint,
				Protocol:    proto,
				Signals:     []Signal{SignalTraces, SignalMetrics, SignalLogs},
				Connections: 3,
				Count:       2000,
				Batch:       100,
				Generator:   gen,
			}
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() {
				t.Fatalf("not everything acknowledged: %+v", res)
			}
			for _, s := range res.Signals() {
				checkAccounting(t, s)
				if s.Items != 2000 || s.Acknowledged != 2000 || s.Requests != 20 || s.Bytes == 0 {
					t.Fatalf("%s: %+v, want 20 requests, 2000 items acknowledged", s.Signal, s)
				}
			}
			if len(res.Signals()) != 3 {
				t.Fatalf("%d signal results", len(res.Signals()))
			}
			if traces.SpanCount() != 2000 || metrics.DataPointCount() != 2000 || logs.LogRecordCount() != 2000 {
				t.Fatalf("received %d spans, %d points, %d records; want 2000 each",
					traces.SpanCount(), metrics.DataPointCount(), logs.LogRecordCount())
			}

			// Regenerate the 20 requests of each signal (the pool, in
			// order): the receiver got each request as one value, so each
			// received value marshals to exactly one predicted request.
			g := New(gen)
			want := map[string]int{}
			for range 20 {
				want[marshal(t, g.Traces(10))]++
				want[marshal(t, g.Metrics(100))]++
				want[marshal(t, g.Logs(100))]++
			}
			got := map[string]int{}
			for _, td := range traces.AllTraces() {
				got[marshal(t, td)]++
			}
			for _, md := range metrics.AllMetrics() {
				got[marshal(t, md)]++
			}
			for _, ld := range logs.AllLogs() {
				got[marshal(t, ld)]++
			}
			if len(want) != 60 || len(got) != len(want) {
				t.Fatalf("received %d distinct requests, predicted %d (want 60)", len(got), len(want))
			}
			for k, n := range want {
				if got[k] != n {
					t.Fatal("a predicted request was not received unchanged")
				}
			}
		})
	}
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	var (
		b   []byte
		err error
	)
	switch d := v.(type) {
	case ptrace.Traces:
		b, err = (&ptrace.ProtoMarshaler{}).MarshalTraces(d)
	case pmetric.Metrics:
		b, err = (&pmetric.ProtoMarshaler{}).MarshalMetrics(d)
	case plog.Logs:
		b, err = (&plog.ProtoMarshaler{}).MarshalLogs(d)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A server that refuses everything: every request is counted as failed with
// the server's error, none is lost from the accounting.
func TestRunCountsFailures(t *testing.T) {
	backendDown := errors.New("backend down for maintenance")
	grpcAddr, httpAddr := startReceiver(t, consumertest.NewErr(backendDown), consumertest.NewErr(backendDown), consumertest.NewErr(backendDown))
	for _, c := range []struct {
		proto    Protocol
		endpoint string
	}{{ProtocolGRPC, grpcAddr}, {ProtocolHTTP, httpAddr}} {
		t.Run(string(c.proto), func(t *testing.T) {
			res, err := Run(context.Background(), RunConfig{
				Endpoint: c.endpoint, Protocol: c.proto,
				Signals:     []Signal{SignalTraces, SignalLogs},
				Connections: 2, Count: 1000, Batch: 50, Generator: testConfig(1),
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK() {
				t.Fatal("OK() with a failing server")
			}
			for _, s := range res.Signals() {
				checkAccounting(t, s)
				if s.Requests != 20 || s.FailedRequests != 20 || s.FailedItems != 1000 || s.Acknowledged != 0 {
					t.Fatalf("%s: %+v, want 20 failed requests of 1000 items", s.Signal, s)
				}
				if !strings.Contains(s.ErrorSummary(), backendDown.Error()) {
					t.Fatalf("%s: errors do not name the server's error: %q", s.Signal, s.ErrorSummary())
				}
			}
		})
	}
}

func TestRunCountsUnreachableServerAsFailed(t *testing.T) {
	addr := freeAddr(t) // nothing listens there
	for _, proto := range []Protocol{ProtocolGRPC, ProtocolHTTP} {
		res, err := Run(context.Background(), RunConfig{
			Endpoint: addr, Protocol: proto, Count: 300, Batch: 100,
			RequestTimeout: 2 * time.Second, Generator: testConfig(1),
		})
		if err != nil {
			t.Fatal(err)
		}
		checkAccounting(t, res.Traces)
		if res.Traces.FailedRequests != 3 || res.Traces.FailedItems != 300 || len(res.Traces.Errors) == 0 {
			t.Fatalf("%s: %+v, want 3 failed requests of 100 spans with errors", proto, res.Traces)
		}
	}
}

// partialServer acknowledges every trace request but rejects 3 spans.
type partialServer struct {
	ptraceotlp.UnimplementedGRPCServer
	requests atomic.Int64
}

func (s *partialServer) Export(_ context.Context, _ ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	s.requests.Add(1)
	resp := ptraceotlp.NewExportResponse()
	resp.PartialSuccess().SetRejectedSpans(3)
	resp.PartialSuccess().SetErrorMessage("3 spans too old")
	return resp, nil
}

func TestRunCountsPartialSuccess(t *testing.T) {
	t.Run("grpc", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := grpc.NewServer()
		ps := &partialServer{}
		ptraceotlp.RegisterGRPCServer(srv, ps)
		go func() { _ = srv.Serve(l) }()
		t.Cleanup(srv.Stop)
		res, err := Run(context.Background(), RunConfig{Endpoint: l.Addr().String(), Count: 1000, Batch: 100, Connections: 2, Generator: testConfig(1)})
		if err != nil {
			t.Fatal(err)
		}
		checkPartial(t, res.Traces, ps.requests.Load())
	})
	t.Run("http", func(t *testing.T) {
		var requests atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
				http.Error(w, "unexpected request", http.StatusBadRequest)
				return
			}
			requests.Add(1)
			resp := ptraceotlp.NewExportResponse()
			resp.PartialSuccess().SetRejectedSpans(3)
			resp.PartialSuccess().SetErrorMessage("3 spans too old")
			b, _ := resp.MarshalProto()
			w.Header().Set("Content-Type", "application/x-protobuf")
			_, _ = w.Write(b)
		}))
		t.Cleanup(srv.Close)
		res, err := Run(context.Background(), RunConfig{Endpoint: srv.URL, Protocol: ProtocolHTTP, Count: 1000, Batch: 100, Generator: testConfig(1)})
		if err != nil {
			t.Fatal(err)
		}
		checkPartial(t, res.Traces, requests.Load())
	})
}

func checkPartial(t *testing.T, s SignalResult, served int64) {
	t.Helper()
	checkAccounting(t, s)
	if served != 10 || s.Requests != 10 || s.Rejected != 30 || s.Acknowledged != 970 || s.FailedRequests != 0 {
		t.Fatalf("server saw %d requests; result %+v; want 10 requests, 30 rejected, 970 acknowledged", served, s)
	}
	if s.Errors["partial success: 3 spans too old"] != 10 {
		t.Fatalf("partial-success messages not kept: %v", s.Errors)
	}
}

// At a fixed rate, request k is scheduled at k*interval and only requests
// scheduled before the end of Duration are sent: 1,000 spans/s for 450 ms
// in requests of 100 spans is exactly 5 requests, however fast the server.
func TestRunRateAndDurationBoundTheRequests(t *testing.T) {
	traces := new(consumertest.TracesSink)
	grpcAddr, _ := startReceiver(t, traces, consumertest.NewNop(), consumertest.NewNop())
	res, err := Run(context.Background(), RunConfig{
		Endpoint: grpcAddr, Rate: 1000, Duration: 450 * time.Millisecond, Batch: 100,
		Connections: 4, Generator: testConfig(2),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Traces.Requests != 5 || res.Traces.Acknowledged != 500 || traces.SpanCount() != 500 {
		t.Fatalf("%+v and %d spans received; want 5 requests, 500 spans", res.Traces, traces.SpanCount())
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	traces := new(consumertest.TracesSink)
	grpcAddr, _ := startReceiver(t, traces, consumertest.NewNop(), consumertest.NewNop())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Run(ctx, RunConfig{Endpoint: grpcAddr, Duration: time.Hour, Generator: testConfig(2)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	checkAccounting(t, res.Traces)
	if int64(traces.SpanCount()) != res.Traces.Acknowledged {
		t.Fatalf("received %d spans, acknowledged %d", traces.SpanCount(), res.Traces.Acknowledged)
	}
}

func TestBatchShapes(t *testing.T) {
	cases := []struct {
		sig           Signal
		batch, spt    int
		wantPerReq    int64
		count, wantRq int64
	}{
		{SignalTraces, 100, 10, 100, 1000, 10},
		{SignalTraces, 95, 10, 90, 1000, 12}, // whole traces only: 9 per request
		{SignalTraces, 3, 10, 10, 25, 3},     // at least one trace per request
		{SignalMetrics, 7, 10, 7, 50, 8},     // count rounded up to whole requests
		{SignalLogs, 1, 10, 1, 4, 4},
	}
	// A large batch lowers the pool size so that at most 1,000,000 items
	// are prebuilt.
	big := RunConfig{Endpoint: "127.0.0.1:1", Batch: 400_000, Duration: time.Second}
	if err := big.validate(); err != nil || big.PoolSize != 2 {
		t.Fatalf("batch of 400,000: pool size %d (error %v), want 2", big.PoolSize, err)
	}

	for _, c := range cases {
		gen := testConfig(1)
		gen.SpansPerTrace = c.spt
		s, err := NewSender(RunConfig{Endpoint: "127.0.0.1:1", Signals: []Signal{c.sig}, Batch: c.batch, Count: c.count, Generator: gen})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.ItemsPerRequest(c.sig); got != c.wantPerReq {
			t.Fatalf("%s batch %d: %d items per request, want %d", c.sig, c.batch, got, c.wantPerReq)
		}
		if got := s.pools[0].maxRequests; got != c.wantRq {
			t.Fatalf("%s count %d: %d requests, want %d", c.sig, c.count, got, c.wantRq)
		}
		_ = s.Close()
	}
}

func TestRunConfigErrorsNameTheField(t *testing.T) {
	base := RunConfig{Endpoint: "127.0.0.1:4317", Count: 10}
	cases := []struct {
		mut  func(*RunConfig)
		want string
	}{
		{func(c *RunConfig) { c.Endpoint = "" }, "endpoint"},
		{func(c *RunConfig) { c.Protocol = "udp" }, "protocol"},
		{func(c *RunConfig) { c.Signals = []Signal{"profiles"} }, "signals[0]"},
		{func(c *RunConfig) { c.Signals = []Signal{SignalLogs, SignalLogs} }, "signals[1]"},
		{func(c *RunConfig) { c.Connections = -1 }, "connections"},
		{func(c *RunConfig) { c.Rate = -5 }, "rate"},
		{func(c *RunConfig) { c.Count, c.Duration = 0, 0 }, "duration, count"},
		{func(c *RunConfig) { c.Count = -1 }, "count"},
		{func(c *RunConfig) { c.Batch = -1 }, "batch"},
		{func(c *RunConfig) { c.Batch = 5_000_000 }, "batch"},
		{func(c *RunConfig) { c.Connections = 100_000 }, "connections"},
		{func(c *RunConfig) { c.PoolSize = -2 }, "pool_size"},
		{func(c *RunConfig) { c.RequestTimeout = -time.Second }, "request_timeout"},
	}
	for _, c := range cases {
		cfg := base
		c.mut(&cfg)
		_, err := Run(context.Background(), cfg)
		if err == nil || !strings.HasPrefix(err.Error(), c.want+":") {
			t.Fatalf("error %v, want one starting with %q", err, c.want)
		}
	}
}
