package aggregationprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"

	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/metadata"
)

func loadNamed(t *testing.T, name string) (*Config, error) {
	t.Helper()
	id := component.NewIDWithName(metadata.Type, name).String()
	cfg := testutil.LoadConfig(t, filepath.Join("testdata", "config.yaml"), id, NewFactory()).(*Config)
	return cfg, cfg.Validate()
}

func TestLoadConfig(t *testing.T) {
	cfg, err := loadNamed(t, "readme_basic")
	require.NoError(t, err)
	require.Equal(t, LateCurrentWindow, cfg.LatePoints)
	require.Equal(t, 100_000, cfg.MaxInputSeries)
	require.Nil(t, cfg.Storage)
	require.Len(t, cfg.Rules, 1)
	r := cfg.Rules[0]
	require.Equal(t, time.Minute, r.Interval)
	require.Equal(t, DefaultMaxSeries, r.MaxSeries)
	require.Equal(t, TemporalityDelta, r.Temporality)
	require.Equal(t, "http.server.request.count", r.namer()("http.server.request.count", "sum"))

	cfg, err = loadNamed(t, "readme_full")
	require.NoError(t, err)
	require.Equal(t, LateDrop, cfg.LatePoints)
	require.Equal(t, 50_000, cfg.MaxInputSeries)
	require.Equal(t, "file_storage/aggregation", cfg.Storage.String())
	require.Equal(t, 5*time.Second, cfg.CheckpointInterval)
	require.Equal(t, 5*time.Second, cfg.FlushDelay)
	require.Len(t, cfg.Rules, 2)
	lat := cfg.Rules[0]
	require.Equal(t, 30*time.Second, lat.Interval)
	require.Equal(t, map[string]string{"deployment.environment": "prod"}, lat.Attributes)
	require.Equal(t, 5000, lat.MaxSeries)
	require.Equal(t, TemporalityCumulative, lat.Temporality)
	require.Equal(t, "rpc.x.duration.rate", lat.namer()("rpc.x.duration", "rate"))
	require.True(t, globs(lat.Metrics).MatchString("rpc.grpc.duration"))
	require.False(t, globs(lat.Metrics).MatchString("rpc.grpc.duration.extra"))
	q := cfg.Rules[1]
	require.True(t, q.KeepInput)
	require.Equal(t, time.Minute, q.Interval)
	require.Equal(t, "queue.depth.last", q.namer()("queue.depth", "last"))

	cfg, err = loadNamed(t, "defaults")
	require.NoError(t, err)
	require.Equal(t, "rule_0", ruleName(0, cfg.Rules[0]))
}

func TestConfigErrorsNameFieldAndValue(t *testing.T) {
	for name, want := range map[string]string{
		"bad_late":            `late_points: must be "current_window" or "drop", got "sometimes"`,
		"bad_output":          `rules[1].outputs[1]: unknown output "median"`,
		"bad_interval":        "rules[0].interval: must be > 0, got -5s",
		"bad_both_reductions": "rules[0]: group_by and without are exclusive, got both",
		"bad_template":        `rules[0].name_template: must contain {output} with more than one output, got "agg.{name}"`,
		"bad_max_series":      "rules[0].max_series: must be > 0, got -1",
		"bad_temporality":     `rules[0].temporality: must be "delta" or "cumulative", got "weekly"`,
		"no_rules":            "rules: at least one rule is required",
		"bad_flush_delay":     "flush_delay: must be shorter than rules[0].interval (30s), got 30s",
		"no_metrics":          "rules[0].metrics: at least one metric name glob is required",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadNamed(t, name)
			require.ErrorContains(t, err, want)
		})
	}
}

// TestReadmeExamplesValidate validates every aggregation processor
// configured in a YAML example of README.md, so the README cannot drift from
// the code.
func TestReadmeExamplesValidate(t *testing.T) {
	require.GreaterOrEqual(t, len(testutil.CheckReadme(t, "README.md", NewFactory(), nil)), 2, "README examples of the processor")
}
