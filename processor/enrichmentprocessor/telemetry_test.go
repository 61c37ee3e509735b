package enrichmentprocessor

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func sumBy(t *testing.T, tt *componenttest.Telemetry, name, key string) map[string]int64 {
	t.Helper()
	m, err := tt.GetMetric(name)
	require.NoError(t, err, name)
	out := map[string]int64{}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		v, _ := dp.Attributes.Value(attribute.Key(key))
		out[v.AsString()] += dp.Value
	}
	return out
}

// TestOwnMetrics counts what each source wrote and the hits and misses per table.
func TestOwnMetrics(t *testing.T) {
	setGatewayEnv(t)
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	set := processor.Settings{ID: nopSettings().ID, TelemetrySettings: tt.NewTelemetrySettings(), BuildInfo: nopSettings().BuildInfo}
	cfg := loadConfig(t, testdata("golden", "all_sources", "config.yaml"), "enrichment")
	p := startAll(t, cfg, set)

	ld, err := goldenInputLogs()
	require.NoError(t, err)
	require.NoError(t, p.logs.ConsumeLogs(requestContext(map[string][]string{"x-tenant": {"acme"}}), ld))

	// See testdata/golden/all_sources/logs.yaml: 3 resources get tenant.id
	// (upsert); the environment inserts 1+3+3; static inserts 3; the tenants
	// table adds 2 columns to each of 3; ownership 4 columns to each of 3.
	assert.Equal(t, map[string]int64{"metadata": 3, "environment": 7, "static": 3, "lookup": 18},
		sumBy(t, tt, "otelcol_processor_enrichment_attributes_added", "source"))
	assert.Equal(t, map[string]int64{"tenants": 3, "ownership": 2},
		sumBy(t, tt, "otelcol_processor_enrichment_lookup_hits", "table"))
	assert.Equal(t, map[string]int64{"ownership": 1},
		sumBy(t, tt, "otelcol_processor_enrichment_lookup_misses", "table"))

	// A request without the header: resources 1 and 2 have no tenant.id and
	// resource 0 keeps sender-tenant, which the table lacks: 3 more misses
	// (counters are cumulative).
	ld, err = goldenInputLogs()
	require.NoError(t, err)
	require.NoError(t, p.logs.ConsumeLogs(context.Background(), ld))
	assert.Equal(t, map[string]int64{"tenants": 3, "ownership": 2},
		sumBy(t, tt, "otelcol_processor_enrichment_lookup_misses", "table"))
	for _, rl := range ld.ResourceLogs().All() {
		v, ok := rl.Resource().Attributes().Get("tenant.id")
		if ok {
			assert.Equal(t, "sender-tenant", v.Str(), "only the sender's own value")
		}
	}
}

func goldenInputLogs() (plog.Logs, error) {
	return golden.ReadLogs(testdata("golden", "input", "logs.yaml"))
}
