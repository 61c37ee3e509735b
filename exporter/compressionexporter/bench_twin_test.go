package compressionexporter

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/exporter/otlpexporter"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
)

// countingServer answers 200 to every OTLP/HTTP request and counts body bytes.
func countingServer(b *testing.B) (string, *atomic.Int64) {
	b.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := io.Copy(io.Discard, r.Body)
		n.Add(c)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(srv.Close)
	return srv.URL, &n
}

type signalExporters struct {
	traces  exporter.Traces
	metrics exporter.Metrics
	logs    exporter.Logs
}

func startSignalExporters(b *testing.B, f exporter.Factory, cfg component.Config) signalExporters {
	b.Helper()
	ctx := context.Background()
	set := exportertest.NewNopSettings(f.Type())
	var s signalExporters
	var err error
	s.traces, err = f.CreateTraces(ctx, set, cfg)
	require.NoError(b, err)
	s.metrics, err = f.CreateMetrics(ctx, set, cfg)
	require.NoError(b, err)
	s.logs, err = f.CreateLogs(ctx, set, cfg)
	require.NoError(b, err)
	for _, c := range []component.Component{s.traces, s.metrics, s.logs} {
		require.NoError(b, c.Start(ctx, componenttest.NewNopHost()))
		b.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	}
	return s
}

// BenchmarkTwinOTLPHTTP sends the mixed workload over real HTTP with the
// core otlp_http exporter (static compression) and with this exporter
// (static, same codec), in one run: wire bytes and CPU per MB, marshalling included.
func BenchmarkTwinOTLPHTTP(b *testing.B) {
	for _, c := range twinCodecs {
		for _, which := range []string{"core_otlp_http", "compression"} {
			b.Run(string(c)+"/"+which, func(b *testing.B) {
				url, wire := countingServer(b)
				var exps signalExporters
				if which == "core_otlp_http" {
					f := otlphttpexporter.NewFactory()
					cfg := f.CreateDefaultConfig().(*otlphttpexporter.Config)
					cfg.ClientConfig.Endpoint = url
					cfg.ClientConfig.Compression = c
					cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
					cfg.RetryConfig.Enabled = false
					exps = startSignalExporters(b, f, cfg)
				} else {
					cfg := staticConfig(httpConfig(url), string(c), 0)
					require.Equal(b, metadata.Type, NewFactory().Type())
					exps = startSignalExporters(b, NewFactory(), cfg)
				}
				runTwin(b, exps, wire)
			})
		}
	}
}

// BenchmarkTwinOTLPGRPC is BenchmarkTwinOTLPHTTP over gRPC against the core
// otlp_grpc exporter; wire bytes are the compressed message bytes the server
// received.
func BenchmarkTwinOTLPGRPC(b *testing.B) {
	for _, c := range twinCodecs {
		for _, which := range []string{"core_otlp_grpc", "compression"} {
			b.Run(string(c)+"/"+which, func(b *testing.B) {
				addr, wire := countingGRPCServer(b)
				var exps signalExporters
				if which == "core_otlp_grpc" {
					f := otlpexporter.NewFactory()
					cfg := f.CreateDefaultConfig().(*otlpexporter.Config)
					cfg.ClientConfig.Endpoint = addr
					cfg.ClientConfig.TLS.Insecure = true
					cfg.ClientConfig.Compression = c
					cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
					cfg.RetryConfig.Enabled = false
					exps = startSignalExporters(b, f, cfg)
				} else {
					exps = startSignalExporters(b, NewFactory(), staticConfig(grpcConfig(addr), string(c), 0))
				}
				runTwin(b, exps, wire)
			})
		}
	}
}

var twinCodecs = []configcompression.Type{configcompression.TypeGzip, configcompression.TypeZstd, configcompression.TypeSnappy}

// runTwin replays the mixed workload as pdata through the exporters and
// reports wire bytes, ratio and process CPU per uncompressed MB.
func runTwin(b *testing.B, exps signalExporters, wire *atomic.Int64) {
	b.Helper()
	reqs := workload.Mixed(42, 16)
	_, sizes := mixedWorkload(b)
	total := sizes[policy.Traces] + sizes[policy.Metrics] + sizes[policy.Logs]
	ctx := context.Background()
	replay := func() {
		for _, r := range reqs {
			switch r.Signal {
			case policy.Traces:
				require.NoError(b, exps.traces.ConsumeTraces(ctx, r.Traces))
			case policy.Metrics:
				require.NoError(b, exps.metrics.ConsumeMetrics(ctx, r.Metrics))
			default:
				require.NoError(b, exps.logs.ConsumeLogs(ctx, r.Logs))
			}
		}
	}
	replay()
	b.ReportAllocs()
	b.SetBytes(int64(total))
	var cpu time.Duration
	for b.Loop() {
		wire.Store(0)
		start := processCPU()
		replay()
		cpu += processCPU() - start
	}
	b.ReportMetric(float64(wire.Load()), "wire_bytes")
	b.ReportMetric(float64(total)/float64(wire.Load()), "ratio")
	b.ReportMetric(cpu.Seconds()*1e3/float64(b.N)/(float64(total)/1e6), "cpu_ms/MB")
}

// wireCounter is a gRPC stats handler adding up the compressed size of
// every received message.
type wireCounter struct{ n *atomic.Int64 }

func (w wireCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (w wireCounter) HandleRPC(_ context.Context, s stats.RPCStats) {
	if p, ok := s.(*stats.InPayload); ok {
		w.n.Add(int64(p.CompressedLength))
	}
}
func (w wireCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (w wireCounter) HandleConn(context.Context, stats.ConnStats)                       {}

type nopTraces struct {
	ptraceotlp.UnimplementedGRPCServer
}

func (*nopTraces) Export(context.Context, ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	return ptraceotlp.NewExportResponse(), nil
}

type nopMetrics struct {
	pmetricotlp.UnimplementedGRPCServer
}

func (*nopMetrics) Export(context.Context, pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	return pmetricotlp.NewExportResponse(), nil
}

type nopLogs struct {
	plogotlp.UnimplementedGRPCServer
}

func (*nopLogs) Export(context.Context, plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	return plogotlp.NewExportResponse(), nil
}

// countingGRPCServer accepts every OTLP/gRPC request and counts wire bytes.
func countingGRPCServer(b *testing.B) (string, *atomic.Int64) {
	b.Helper()
	var n atomic.Int64
	srv := grpc.NewServer(grpc.StatsHandler(wireCounter{&n}), grpc.MaxRecvMsgSize(64<<20))
	ptraceotlp.RegisterGRPCServer(srv, &nopTraces{})
	pmetricotlp.RegisterGRPCServer(srv, &nopMetrics{})
	plogotlp.RegisterGRPCServer(srv, &nopLogs{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	go func() { _ = srv.Serve(lis) }()
	b.Cleanup(srv.Stop)
	return lis.Addr().String(), &n
}
