package aggregationprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"

	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/metadata"
)

// FuzzConsumeMetrics feeds arbitrary OTLP metrics (the golden inputs are
// the seed corpus) through a rule with every output, cumulative
// temporality, a reduction and a small max_series, and checks that nothing
// panics and that every point of an aggregatable metric is either taken in
// or counted as dropped, while the other points pass through.
func FuzzConsumeMetrics(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "golden", "*", "input*.yaml"))
	require.NoError(f, err)
	var m pmetric.ProtoMarshaler
	for _, path := range seeds {
		md, err := golden.ReadMetrics(path)
		require.NoError(f, err)
		raw, err := m.MarshalMetrics(md)
		require.NoError(f, err)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var u pmetric.ProtoUnmarshaler
		md, err := u.UnmarshalMetrics(raw)
		if err != nil {
			return
		}
		cfg := createDefaultConfig().(*Config)
		cfg.MaxInputSeries = 3
		cfg.Rules = []RuleConfig{{
			Name: "all", Metrics: []string{"*"}, Interval: 10 * time.Second, Without: []string{"pod", "instance"},
			Outputs:   []string{"sum", "increase", "count", "min", "max", "avg", "last", "rate", "histogram"},
			MaxSeries: 3, Temporality: TemporalityCumulative,
		}}
		tt := componenttest.NewTelemetry()
		defer func() { _ = tt.Shutdown(t.Context()) }()
		set := processortest.NewNopSettings(metadata.Type)
		set.TelemetrySettings = tt.NewTelemetrySettings()
		c := &clock{t: base.Add(5 * time.Second)}
		sink := &consumertest.MetricsSink{}
		p, err := newProcessor(set, cfg, sink, c.Now)
		require.NoError(t, err)

		aggregatable := 0
		for _, rm := range md.ResourceMetrics().All() {
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					if m.Type() != pmetric.MetricTypeSummary && m.Type() != pmetric.MetricTypeEmpty {
						aggregatable += pointCount(m)
					}
				}
			}
		}
		total := md.DataPointCount()
		require.NoError(t, p.ConsumeMetrics(t.Context(), md))
		passed := 0
		for _, out := range sink.AllMetrics() {
			passed += out.DataPointCount()
		}
		require.NoError(t, p.flush(t.Context(), base.Add(20*time.Second), false))
		require.NoError(t, p.Shutdown(t.Context()))

		rule := attribute.String("rule", "all")
		taken := testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_input_points", rule) +
			testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_dropped_points", rule, attribute.String("reason", "invalid")) +
			testutil.IntSum(t, tt.Reader, "otelcol_processor_aggregation_dropped_points", rule, attribute.String("reason", "input_series_limit"))
		require.Equal(t, int64(aggregatable), taken, "every point of an aggregatable metric is taken in or counted as dropped")
		require.Equal(t, total-aggregatable, passed, "the other points pass through")
	})
}
