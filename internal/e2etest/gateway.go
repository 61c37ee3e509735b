package e2etest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// GatewayOptions says how to start a gateway.
type GatewayOptions struct {
	// Config is the path of the collector YAML to run (relative paths are
	// resolved from the repository root, the process's working directory).
	Config string
	// Sink, when set, is exported as OTELGATE_BACKEND_ENDPOINT and OTELGATE_BACKEND_HTTP_ENDPOINT.
	Sink *Sink
	// Env adds or overrides environment variables of the process.
	Env map[string]string
	// Args are extra command-line arguments.
	Args []string
	// Binary is the executable; Binary(t) when empty.
	Binary string
	// StartTimeout bounds the wait for health (default 60s).
	StartTimeout time.Duration
	// NoHealthWait returns as soon as the process started (for configs that
	// are expected to fail at startup).
	NoHealthWait bool
}

// Gateway is a running otelgate process under test.
type Gateway struct {
	*gatewayproc.Process

	stopOnce sync.Once
	connMu   sync.Mutex
	conn     *grpc.ClientConn
}

// StartGateway starts the binary with the given config on free loopback ports,
// waits until its health_check answers and registers Stop at cleanup.
func StartGateway(t testing.TB, o GatewayOptions) *Gateway {
	t.Helper()
	bin := o.Binary
	if bin == "" {
		bin = Binary(t)
	}
	env := map[string]string{}
	if o.Sink != nil {
		env[gatewayproc.EnvBackendEndpoint] = o.Sink.GRPCEndpoint
		env[gatewayproc.EnvBackendHTTPEndpoint] = o.Sink.HTTPEndpoint
	}
	for k, v := range o.Env {
		env[k] = v
	}
	po := gatewayproc.Options{
		Binary:  bin,
		Config:  o.Config,
		Dir:     t.TempDir(),
		Env:     env,
		Args:    o.Args,
		WorkDir: RepoRoot(),
	}
	var p *gatewayproc.Process
	var err error
	if o.NoHealthWait {
		p, err = gatewayproc.Start(po)
	} else {
		timeout := o.StartTimeout
		if timeout == 0 {
			timeout = 60 * time.Second
		}
		p, err = gatewayproc.StartHealthy(po, timeout)
	}
	if err != nil {
		t.Fatalf("start gateway: %v\n--- gateway output ---\n%s", err, p.Output())
	}
	g := &Gateway{Process: p}
	t.Cleanup(func() { g.Stop(t) })
	return g
}

// Stop sends SIGTERM, waits up to 60s and fails the test unless the process
// exits with code 0. Calling it again does nothing.
func (g *Gateway) Stop(t testing.TB) {
	t.Helper()
	g.stopOnce.Do(func() {
		g.connMu.Lock()
		if g.conn != nil {
			_ = g.conn.Close()
		}
		g.connMu.Unlock()
		if err := g.Process.Stop(60 * time.Second); err != nil {
			t.Errorf("gateway stop: %v\n--- gateway output ---\n%s", err, g.Output())
		}
	})
}

// Scrape reads the gateway's own metrics.
func (g *Gateway) Scrape(t testing.TB) []gatewayproc.Sample {
	t.Helper()
	samples, err := g.Process.Scrape()
	if err != nil {
		t.Fatalf("scrape %s: %v", g.MetricsURL, err)
	}
	return samples
}

// Metric sums the gateway's own metric samples named name (or name+"_total")
// whose labels include labels.
func (g *Gateway) Metric(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	return gatewayproc.SumSamples(g.Scrape(t), name, labels)
}

func (g *Gateway) grpcConn(t testing.TB) *grpc.ClientConn {
	t.Helper()
	g.connMu.Lock()
	defer g.connMu.Unlock()
	if g.conn == nil {
		conn, err := grpc.NewClient(g.GRPCEndpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatalf("grpc client: %v", err)
		}
		g.conn = conn
	}
	return g.conn
}

// sendCtx bounds a send and authenticates it with the process's throwaway
// token (configs without an authenticator ignore the header).
func (g *Gateway) sendCtx() (context.Context, context.CancelFunc) {
	ctx := context.Background()
	for k, v := range g.AuthHeaders() {
		ctx = metadata.AppendToOutgoingContext(ctx, k, v)
	}
	return context.WithTimeout(ctx, 30*time.Second)
}

// SendTraces exports td to the gateway over OTLP/gRPC and fails the test on error.
func (g *Gateway) SendTraces(t testing.TB, td ptrace.Traces) {
	t.Helper()
	ctx, cancel := g.sendCtx()
	defer cancel()
	resp, err := ptraceotlp.NewGRPCClient(g.grpcConn(t)).Export(ctx, ptraceotlp.NewExportRequestFromTraces(td))
	if err != nil {
		t.Fatalf("export traces: %v", err)
	}
	if n := resp.PartialSuccess().RejectedSpans(); n != 0 {
		t.Fatalf("export traces: %d spans rejected: %s", n, resp.PartialSuccess().ErrorMessage())
	}
}

// SendMetrics exports md to the gateway over OTLP/gRPC and fails the test on error.
func (g *Gateway) SendMetrics(t testing.TB, md pmetric.Metrics) {
	t.Helper()
	ctx, cancel := g.sendCtx()
	defer cancel()
	resp, err := pmetricotlp.NewGRPCClient(g.grpcConn(t)).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(md))
	if err != nil {
		t.Fatalf("export metrics: %v", err)
	}
	if n := resp.PartialSuccess().RejectedDataPoints(); n != 0 {
		t.Fatalf("export metrics: %d points rejected: %s", n, resp.PartialSuccess().ErrorMessage())
	}
}

// SendLogs exports ld to the gateway over OTLP/gRPC and fails the test on error.
func (g *Gateway) SendLogs(t testing.TB, ld plog.Logs) {
	t.Helper()
	ctx, cancel := g.sendCtx()
	defer cancel()
	resp, err := plogotlp.NewGRPCClient(g.grpcConn(t)).Export(ctx, plogotlp.NewExportRequestFromLogs(ld))
	if err != nil {
		t.Fatalf("export logs: %v", err)
	}
	if n := resp.PartialSuccess().RejectedLogRecords(); n != 0 {
		t.Fatalf("export logs: %d records rejected: %s", n, resp.PartialSuccess().ErrorMessage())
	}
}

// PostOTLP sends a raw HTTP POST (the caller sets Content-Type in headers) and
// returns the status code and body.
func PostOTLP(t testing.TB, url string, body []byte, headers map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("read response: %v", err)
	}
	return resp.StatusCode, b
}
