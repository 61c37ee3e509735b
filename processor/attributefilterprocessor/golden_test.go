package attributefilterprocessor

import (
	"context"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/internal/testutil"
)

func fixedClock() func() time.Time {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { return t0 }
}

// TestGolden runs every testdata/golden/<signal>_<case>/: config.yaml
// configures the filter, input.yaml goes in, expected.yaml must come out.
func TestGolden(t *testing.T) {
	testutil.RunGoldenSignals(t, func(c testutil.GoldenCase) testutil.Signals {
		t := c.T
		cfg := createDefaultConfig().(*Config)
		c.LoadConfig(t, cfg)
		f, err := newFilter(processortest.NewNopSettings(processortest.NopType), cfg, fixedClock())
		require.NoError(t, err)
		ctx := context.Background()
		return testutil.Signals{
			Traces: func(in ptrace.Traces) ptrace.Traces {
				out, err := f.processTraces(ctx, in)
				skipOK(t, err, out.ResourceSpans().Len())
				return out
			},
			Metrics: func(in pmetric.Metrics) pmetric.Metrics {
				out, err := f.processMetrics(ctx, in)
				skipOK(t, err, out.ResourceMetrics().Len())
				return out
			},
			Logs: func(in plog.Logs) plog.Logs {
				out, err := f.processLogs(ctx, in)
				skipOK(t, err, out.ResourceLogs().Len())
				return out
			},
			MetricsOptions: []pmetrictest.CompareMetricsOption{pmetrictest.IgnoreMetricsOrder(), pmetrictest.IgnoreMetricDataPointsOrder()},
		}
	})
}

// skipOK accepts the skip sentinel only when nothing is left to pass on.
func skipOK(t *testing.T, err error, left int) {
	t.Helper()
	if err != nil {
		require.Zero(t, left, "skip returned with data left")
	}
}

func copyTraces(td ptrace.Traces) ptrace.Traces {
	c := ptrace.NewTraces()
	td.CopyTo(c)
	return c
}
