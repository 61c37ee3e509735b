package compressionexporter

import (
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
	"github.com/otelgate/otelgate/internal/e2etest"
)

const e2eDir = "exporter/compressionexporter/testdata/e2e/"

// e2eExporters is the number of compression exporters in testdata/e2e/config.yaml:
// gRPC none, gzip, zstd, snappy; HTTP none, gzip, zstd, snappy, zlib, deflate, lz4, x-snappy-framed.
const e2eExporters = 12

// TestE2EEveryCodecThroughSecondCollector runs the gateway with one
// compression exporter per codec and protocol, all sending to a second
// otelgate binary whose otlp receiver forwards to the sink. Every exporter's
// copy of every request arrives with content identical to what was sent.
func TestE2EEveryCodecThroughSecondCollector(t *testing.T) {
	e2etest.SkipIfShort(t)
	sink := e2etest.StartSink(t)
	receiver := e2etest.StartGateway(t, e2etest.GatewayOptions{Config: e2eDir + "receiver.yaml", Sink: sink})
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{Config: e2eDir + "config.yaml", Env: map[string]string{
		"COMPRESSION_E2E_GRPC": receiver.GRPCEndpoint,
		"COMPRESSION_E2E_HTTP": receiver.HTTPEndpoint,
	}})
	td, md, ld := workload.Traces(21, 300), workload.Metrics(22, 300), workload.Logs(23, 300)
	gw.SendTraces(t, td)
	gw.SendMetrics(t, md)
	gw.SendLogs(t, ld)

	sink.WaitForSpans(t, e2eExporters*td.SpanCount(), 60*time.Second)
	sink.WaitForDataPoints(t, e2eExporters*md.DataPointCount(), 60*time.Second)
	sink.WaitForLogRecords(t, e2eExporters*ld.LogRecordCount(), 60*time.Second)
	time.Sleep(200 * time.Millisecond) // nothing more may arrive
	assert.Equal(t, e2eExporters*td.SpanCount(), sink.Traces.SpanCount())

	// Each received request is one exporter's copy of the request sent.
	for i, got := range sink.Traces.AllTraces() {
		require.NoError(t, ptracetest.CompareTraces(td, got), "traces request %d", i)
	}
	for i, got := range sink.Metrics.AllMetrics() {
		require.NoError(t, pmetrictest.CompareMetrics(md, got), "metrics request %d", i)
	}
	for i, got := range sink.Logs.AllLogs() {
		require.NoError(t, plogtest.CompareLogs(ld, got), "logs request %d", i)
	}

	// Every codec was really used: 3 successful requests each, and the
	// compressed codecs put fewer bytes on the wire than they were given.
	for _, c := range []string{"none", "gzip", "zstd", "snappy", "zlib", "deflate", "lz4", "x-snappy-framed"} {
		perCodec := 1.0
		if c == "none" || c == "gzip" || c == "zstd" || c == "snappy" {
			perCodec = 2 // once on gRPC, once on HTTP
		}
		assert.Equal(t, 3*perCodec, gw.Metric(t, "otelcol_exporter_compression_requests", map[string]string{"codec": c, "outcome": "success"}), c)
		in := gw.Metric(t, "otelcol_exporter_compression_bytes_uncompressed", map[string]string{"codec": c})
		out := gw.Metric(t, "otelcol_exporter_compression_bytes_compressed", map[string]string{"codec": c})
		if c == "none" {
			assert.Equal(t, in, out)
		} else {
			assert.Less(t, out, in/3, c)
		}
	}
}

// TestE2EFallbackOn415: the gateway sends to a server answering 415 to zstd;
// every span and log record arrives (with gzip) and the fallback is counted once.
func TestE2EFallbackOn415(t *testing.T) {
	e2etest.SkipIfShort(t)
	srv, url := newRecordingHTTPServer(t, "zstd")
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{Config: e2eDir + "fallback.yaml", Env: map[string]string{"COMPRESSION_E2E_HTTP": url}})
	want := ptrace.NewTraces()
	for i := 0; i < 5; i++ {
		td := workload.Traces(uint64(300+i), 100)
		appendTraces(want, td)
		gw.SendTraces(t, td)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Equal(t, 500, srv.traces.SpanCount(), "nothing lost")
	require.NoError(t, ptracetest.CompareTraces(want, srv.traces, ptracetest.IgnoreResourceSpansOrder()))
	assert.Equal(t, map[string]int{"zstd": 1, "gzip": 5}, srv.seen)
	assert.Equal(t, 1.0, gw.Metric(t, "otelcol_exporter_compression_fallbacks", map[string]string{"from": "zstd", "to": "gzip"}))
}

// TestE2EPersistentQueueSurvivesRestart: with the backend down, the gateway
// accepts data into its file_storage queue and is stopped; restarted with
// the backend up, it delivers everything.
func TestE2EPersistentQueueSurvivesRestart(t *testing.T) {
	e2etest.SkipIfShort(t)
	dataDir := t.TempDir()
	down := e2etest.FreeAddr(t) // nothing listens here
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{Config: e2eDir + "persistent.yaml", Env: map[string]string{
		"OTELGATE_BACKEND_ENDPOINT": down, "OTELGATE_DATA_DIR": dataDir,
	}})
	wantT, wantM, wantL := ptrace.NewTraces(), pmetric.NewMetrics(), plog.NewLogs()
	for i := 0; i < 10; i++ {
		td, md, ld := workload.Traces(uint64(400+i), 50), workload.Metrics(uint64(500+i), 40), workload.Logs(uint64(600+i), 30)
		appendTraces(wantT, td)
		mc := pmetric.NewMetrics()
		md.CopyTo(mc)
		mc.ResourceMetrics().MoveAndAppendTo(wantM.ResourceMetrics())
		lc := plog.NewLogs()
		ld.CopyTo(lc)
		lc.ResourceLogs().MoveAndAppendTo(wantL.ResourceLogs())
		gw.SendTraces(t, td)
		gw.SendMetrics(t, md)
		gw.SendLogs(t, ld)
	}
	gw.Stop(t)

	sink := e2etest.StartSink(t)
	e2etest.StartGateway(t, e2etest.GatewayOptions{Config: e2eDir + "persistent.yaml", Sink: sink, Env: map[string]string{"OTELGATE_DATA_DIR": dataDir}})
	sink.WaitForSpans(t, wantT.SpanCount(), 60*time.Second)
	sink.WaitForDataPoints(t, wantM.DataPointCount(), 60*time.Second)
	sink.WaitForLogRecords(t, wantL.LogRecordCount(), 60*time.Second)
	time.Sleep(300 * time.Millisecond) // and no duplicates follow
	require.NoError(t, ptracetest.CompareTraces(wantT, sink.AllTraces(), ptracetest.IgnoreResourceSpansOrder()))
	require.NoError(t, pmetrictest.CompareMetrics(wantM, sink.AllMetrics(), pmetrictest.IgnoreResourceMetricsOrder()))
	require.NoError(t, plogtest.CompareLogs(wantL, sink.AllLogs(), plogtest.IgnoreResourceLogsOrder()))
}
