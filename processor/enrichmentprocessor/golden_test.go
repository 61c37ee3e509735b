package enrichmentprocessor

import (
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestGolden runs every testdata/golden/<signal>_<case>/: config.yaml
// configures the processor, input.yaml goes in, expected.yaml must come out.
// Every case runs on each signal, with the same input: resource 0 is service
// "checkout" and already carries every key the cases write (so insert leaves
// it alone and update/upsert replace it), resource 1 is service "payment"
// with none of them, resource 2 has no service.name; each record has the
// attribute "http.route" and, for resource 0, the record-level "team",
// "tenant.id" and "region". The request carries the header X-Tenant: acme,
// and the gateway's environment is the one setGatewayEnv sets.
func TestGolden(t *testing.T) {
	setGatewayEnv(t)
	ctx := requestContext(map[string][]string{"X-Tenant": {"acme"}, "Authorization": {"Bearer secret"}})
	n := 0
	testutil.RunGoldenSignals(t, func(c testutil.GoldenCase) testutil.Signals {
		t := c.T
		n++
		cfg := createDefaultConfig().(*Config)
		c.LoadConfig(t, cfg)
		p := startAll(t, cfg, nopSettings())
		return testutil.Signals{
			Traces: func(in ptrace.Traces) ptrace.Traces {
				require.NoError(t, p.Traces.ConsumeTraces(ctx, in))
				return p.TracesSink.AllTraces()[len(p.TracesSink.AllTraces())-1]
			},
			Metrics: func(in pmetric.Metrics) pmetric.Metrics {
				require.NoError(t, p.Metrics.ConsumeMetrics(ctx, in))
				return p.MetricsSink.AllMetrics()[len(p.MetricsSink.AllMetrics())-1]
			},
			Logs: func(in plog.Logs) plog.Logs {
				require.NoError(t, p.Logs.ConsumeLogs(ctx, in))
				return p.LogsSink.AllLogs()[len(p.LogsSink.AllLogs())-1]
			},
			MetricsOptions: []pmetrictest.CompareMetricsOption{pmetrictest.IgnoreResourceMetricsOrder()},
		}
	})
	require.GreaterOrEqual(t, n, 3*12, "golden cases found")
}
