package enrichmentprocessor

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var update = flag.Bool("update", false, "rewrite the golden inputs and expected files")

// TestGolden runs every case under testdata/golden: each directory holds the
// processor's config.yaml and the expected output for the shared inputs in
// testdata/golden/input/, one file per signal. The request carries the header
// X-Tenant: acme, and the gateway's environment is the one setGatewayEnv sets.
func TestGolden(t *testing.T) {
	setGatewayEnv(t)
	inDir := testdata("golden", "input")
	if *update {
		require.NoError(t, os.MkdirAll(inDir, 0o755))
		require.NoError(t, golden.WriteTracesToFile(filepath.Join(inDir, "traces.yaml"), inputTraces()))
		require.NoError(t, golden.WriteMetricsToFile(filepath.Join(inDir, "metrics.yaml"), inputMetrics()))
		require.NoError(t, golden.WriteLogsToFile(filepath.Join(inDir, "logs.yaml"), inputLogs()))
	}
	entries, err := os.ReadDir(testdata("golden"))
	require.NoError(t, err)
	ctx := requestContext(map[string][]string{"X-Tenant": {"acme"}, "Authorization": {"Bearer secret"}})
	n := 0
	for _, e := range entries {
		dir := testdata("golden", e.Name())
		if _, err := os.Stat(filepath.Join(dir, "config.yaml")); err != nil {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			cfg := loadConfig(t, filepath.Join(dir, "config.yaml"), "enrichment")
			p := startAll(t, cfg, nopSettings())

			t.Run("traces", func(t *testing.T) {
				in, err := golden.ReadTraces(filepath.Join(inDir, "traces.yaml"))
				require.NoError(t, err)
				require.NoError(t, p.traces.ConsumeTraces(ctx, in))
				got := p.ts.AllTraces()[len(p.ts.AllTraces())-1]
				path := filepath.Join(dir, "traces.yaml")
				if *update {
					require.NoError(t, golden.WriteTracesToFile(path, got))
				}
				want, err := golden.ReadTraces(path)
				require.NoError(t, err)
				require.NoError(t, ptracetest.CompareTraces(want, got))
			})
			t.Run("metrics", func(t *testing.T) {
				in, err := golden.ReadMetrics(filepath.Join(inDir, "metrics.yaml"))
				require.NoError(t, err)
				require.NoError(t, p.metrics.ConsumeMetrics(ctx, in))
				got := p.ms.AllMetrics()[len(p.ms.AllMetrics())-1]
				path := filepath.Join(dir, "metrics.yaml")
				if *update {
					require.NoError(t, golden.WriteMetricsToFile(path, got))
				}
				want, err := golden.ReadMetrics(path)
				require.NoError(t, err)
				require.NoError(t, pmetrictest.CompareMetrics(want, got, pmetrictest.IgnoreResourceMetricsOrder()))
			})
			t.Run("logs", func(t *testing.T) {
				in, err := golden.ReadLogs(filepath.Join(inDir, "logs.yaml"))
				require.NoError(t, err)
				require.NoError(t, p.logs.ConsumeLogs(ctx, in))
				got := p.ls.AllLogs()[len(p.ls.AllLogs())-1]
				path := filepath.Join(dir, "logs.yaml")
				if *update {
					require.NoError(t, golden.WriteLogsToFile(path, got))
				}
				want, err := golden.ReadLogs(path)
				require.NoError(t, err)
				require.NoError(t, plogtest.CompareLogs(want, got))
			})
		})
	}
	require.GreaterOrEqual(t, n, 12, "golden cases found")
}

// The inputs: resource 0 is service "checkout" and already carries every key
// the cases write (so insert leaves it alone and update/upsert replace it);
// resource 1 is service "payment" with none of them; resource 2 has no
// service.name. Each resource has one record with a record attribute
// "http.route" and, for resource 0, the record-level "team" and "tenant.id".
func fillResource(i int, attrs pcommon.Map) {
	switch i {
	case 0:
		attrs.PutStr("service.name", "checkout")
		attrs.PutStr("team", "sender-team")
		attrs.PutStr("tenant.id", "sender-tenant")
		attrs.PutStr("k8s.cluster.name", "sender-cluster")
		attrs.PutStr("deployment.environment.name", "staging")
		attrs.PutStr("region", "sender-region")
	case 1:
		attrs.PutStr("service.name", "payment")
	case 2:
		attrs.PutStr("telemetry.sdk.language", "go")
	}
}

func fillRecord(i int, attrs pcommon.Map) {
	attrs.PutStr("http.route", "/api/v1/items")
	if i == 0 {
		attrs.PutStr("team", "record-team")
		attrs.PutStr("tenant.id", "record-tenant")
		attrs.PutStr("region", "record-region")
	}
}

func inputTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	for i := range 3 {
		rs := td.ResourceSpans().AppendEmpty()
		fillResource(i, rs.Resource().Attributes())
		span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		span.SetName("GET /api/v1/items")
		span.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, byte(i)})
		span.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, byte(i)})
		fillRecord(i, span.Attributes())
	}
	return td
}

func inputMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	for i := range 3 {
		rm := md.ResourceMetrics().AppendEmpty()
		fillResource(i, rm.Resource().Attributes())
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("http.server.request.count")
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		dp := s.DataPoints().AppendEmpty()
		dp.SetIntValue(int64(10 + i))
		fillRecord(i, dp.Attributes())
		h := rm.ScopeMetrics().At(0).Metrics().AppendEmpty()
		h.SetName("http.server.request.duration")
		hdp := h.SetEmptyHistogram().DataPoints().AppendEmpty()
		hdp.SetCount(2)
		hdp.SetSum(0.3)
		hdp.ExplicitBounds().FromRaw([]float64{0.1, 1})
		hdp.BucketCounts().FromRaw([]uint64{0, 2, 0})
		fillRecord(i, hdp.Attributes())
	}
	return md
}

func inputLogs() plog.Logs {
	ld := plog.NewLogs()
	for i := range 3 {
		rl := ld.ResourceLogs().AppendEmpty()
		fillResource(i, rl.Resource().Attributes())
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.Body().SetStr("request served")
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		fillRecord(i, lr.Attributes())
	}
	return ld
}
