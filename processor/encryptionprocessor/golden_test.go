package encryptionprocessor

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestGolden runs every testdata/golden/<signal>_<case>/: config.yaml
// configures the processor over its defaults, with a key ring of the test
// keys k1 (active) and k2; input.yaml goes in and expected.yaml must come
// out. Only decryption and the deterministic aes256siv are reproducible, so
// those are the cases; the randomised algorithms are covered by the round
// trip tests.
func TestGolden(t *testing.T) {
	h, _ := startKeyring(t, inlineRing("k1", map[string]string{"k1": testKey1, "k2": testKey2}), nopSettings())
	testutil.RunGoldenSignals(t, func(c testutil.GoldenCase) testutil.Signals {
		t := c.T
		cfg := NewFactory().CreateDefaultConfig().(*Config)
		c.LoadConfig(t, cfg)
		p := newPipeline(t, cfg, h, nopSettings())
		ctx := context.Background()
		return testutil.Signals{
			Traces: func(in ptrace.Traces) ptrace.Traces {
				require.NoError(t, p.Traces.ConsumeTraces(ctx, in))
				if got := p.TracesSink.AllTraces(); len(got) > 0 {
					return got[0]
				}
				return ptrace.NewTraces()
			},
			Metrics: func(in pmetric.Metrics) pmetric.Metrics {
				require.NoError(t, p.Metrics.ConsumeMetrics(ctx, in))
				if got := p.MetricsSink.AllMetrics(); len(got) > 0 {
					return got[0]
				}
				return pmetric.NewMetrics()
			},
			Logs: func(in plog.Logs) plog.Logs {
				require.NoError(t, p.Logs.ConsumeLogs(ctx, in))
				if got := p.LogsSink.AllLogs(); len(got) > 0 {
					return got[0]
				}
				return plog.NewLogs()
			},
			MetricsOptions: []pmetrictest.CompareMetricsOption{pmetrictest.IgnoreMetricsOrder(), pmetrictest.IgnoreMetricDataPointsOrder()},
		}
	})
}
