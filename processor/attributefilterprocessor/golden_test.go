package attributefilterprocessor

import (
	"context"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
)

var update = flag.Bool("update", false, "rewrite testdata/<case>/expected.yaml from the processor's output")

// loadCaseConfig reads testdata/<case>/config.yaml over the default config.
func loadCaseConfig(t *testing.T, path string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(path)
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, cm.Unmarshal(cfg))
	require.NoError(t, confmap.Validate(cfg))
	return cfg
}

func fixedClock() func() time.Time {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { return t0 }
}

// TestGolden runs every testdata/<signal>_<case>/ directory: config.yaml
// configures the processor, input.yaml goes in, expected.yaml must come out.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*_*/input.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, in := range dirs {
		dir := filepath.Dir(in)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			cfg := loadCaseConfig(t, filepath.Join(dir, "config.yaml"))
			f, err := newFilter(processortest.NewNopSettings(processortest.NopType), cfg, fixedClock())
			require.NoError(t, err)
			expected := filepath.Join(dir, "expected.yaml")
			ctx := context.Background()
			switch {
			case strings.HasPrefix(name, "traces_"):
				td, err := golden.ReadTraces(in)
				require.NoError(t, err)
				out, err := f.processTraces(ctx, td)
				skipOK(t, err, out.ResourceSpans().Len())
				if *update {
					require.NoError(t, golden.WriteTracesToFile(expected, copyTraces(out)))
				}
				want, err := golden.ReadTraces(expected)
				require.NoError(t, err)
				require.NoError(t, ptracetest.CompareTraces(want, out))
			case strings.HasPrefix(name, "metrics_"):
				md, err := golden.ReadMetrics(in)
				require.NoError(t, err)
				out, err := f.processMetrics(ctx, md)
				skipOK(t, err, out.ResourceMetrics().Len())
				if *update {
					require.NoError(t, golden.WriteMetricsToFile(expected, copyMetrics(out), golden.SkipMetricTimestampNormalization()))
				}
				want, err := golden.ReadMetrics(expected)
				require.NoError(t, err)
				require.NoError(t, pmetrictest.CompareMetrics(want, out, pmetrictest.IgnoreMetricsOrder(), pmetrictest.IgnoreMetricDataPointsOrder()))
			case strings.HasPrefix(name, "logs_"):
				ld, err := golden.ReadLogs(in)
				require.NoError(t, err)
				out, err := f.processLogs(ctx, ld)
				skipOK(t, err, out.ResourceLogs().Len())
				if *update {
					require.NoError(t, golden.WriteLogsToFile(expected, copyLogs(out)))
				}
				want, err := golden.ReadLogs(expected)
				require.NoError(t, err)
				require.NoError(t, plogtest.CompareLogs(want, out))
			default:
				t.Fatalf("case %s: name must start with traces_, metrics_ or logs_", name)
			}
		})
	}
}

// skipOK accepts the skip sentinel only when nothing is left to pass on.
func skipOK(t *testing.T, err error, left int) {
	t.Helper()
	if err != nil {
		require.Zero(t, left, "skip returned with data left")
	}
}

// The golden writers sort their input: they get a copy, so the comparison
// sees the processor's own order.
func copyTraces(td ptrace.Traces) ptrace.Traces {
	c := ptrace.NewTraces()
	td.CopyTo(c)
	return c
}

func copyMetrics(md pmetric.Metrics) pmetric.Metrics {
	c := pmetric.NewMetrics()
	md.CopyTo(c)
	return c
}

func copyLogs(ld plog.Logs) plog.Logs {
	c := plog.NewLogs()
	ld.CopyTo(c)
	return c
}
