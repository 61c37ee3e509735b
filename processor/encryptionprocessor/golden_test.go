package encryptionprocessor

import (
	"context"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/<case>/expected.yaml from the processor's output")

// TestGolden runs every testdata/golden/<signal>_<case>/ directory:
// config.yaml configures the processor over its defaults, with a key ring of
// the test keys k1 (active) and k2; input.yaml goes in and expected.yaml must
// come out. Only decryption and the deterministic aes256siv are reproducible,
// so those are the cases; the randomised algorithms are covered by the round
// trip tests.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "golden", "*_*", "input.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	h, _ := startKeyring(t, inlineRing("k1", map[string]string{"k1": testKey1, "k2": testKey2}), nopSettings())
	for _, in := range inputs {
		dir := filepath.Dir(in)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			cm, err := confmaptest.LoadConf(filepath.Join(dir, "config.yaml"))
			require.NoError(t, err)
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			require.NoError(t, cm.Unmarshal(cfg))
			p := newPipeline(t, cfg, h, nopSettings())
			expected := filepath.Join(dir, "expected.yaml")
			ctx := context.Background()
			switch {
			case strings.HasPrefix(name, "traces_"):
				td, err := golden.ReadTraces(in)
				require.NoError(t, err)
				require.NoError(t, p.traces.ConsumeTraces(ctx, td))
				out := ptrace.NewTraces()
				if got := p.tsink.AllTraces(); len(got) > 0 {
					out = got[0]
				}
				if *update {
					require.NoError(t, golden.WriteTracesToFile(expected, out))
				}
				want, err := golden.ReadTraces(expected)
				require.NoError(t, err)
				require.NoError(t, ptracetest.CompareTraces(want, out))
			case strings.HasPrefix(name, "metrics_"):
				md, err := golden.ReadMetrics(in)
				require.NoError(t, err)
				require.NoError(t, p.metrics.ConsumeMetrics(ctx, md))
				out := pmetric.NewMetrics()
				if got := p.msink.AllMetrics(); len(got) > 0 {
					out = got[0]
				}
				if *update {
					require.NoError(t, golden.WriteMetricsToFile(expected, out, golden.SkipMetricTimestampNormalization()))
				}
				want, err := golden.ReadMetrics(expected)
				require.NoError(t, err)
				require.NoError(t, pmetrictest.CompareMetrics(want, out, pmetrictest.IgnoreMetricsOrder(), pmetrictest.IgnoreMetricDataPointsOrder()))
			case strings.HasPrefix(name, "logs_"):
				ld, err := golden.ReadLogs(in)
				require.NoError(t, err)
				require.NoError(t, p.logs.ConsumeLogs(ctx, ld))
				out := plog.NewLogs()
				if got := p.lsink.AllLogs(); len(got) > 0 {
					out = got[0]
				}
				if *update {
					require.NoError(t, golden.WriteLogsToFile(expected, out))
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
