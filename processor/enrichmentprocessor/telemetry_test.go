package enrichmentprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/processor"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestOwnMetrics counts what each source wrote and the hits and misses per table.
func TestOwnMetrics(t *testing.T) {
	setGatewayEnv(t)
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	set := processor.Settings{ID: nopSettings().ID, TelemetrySettings: tt.NewTelemetrySettings(), BuildInfo: nopSettings().BuildInfo}
	allSources := testutil.GoldenCase{Name: "logs_all_sources", Dir: testdata("golden", "logs_all_sources")}
	cfg := createDefaultConfig().(*Config)
	allSources.LoadConfig(t, cfg)
	p := startAll(t, cfg, set)

	ld := allSources.Logs(t, "")
	require.NoError(t, p.Logs.ConsumeLogs(requestContext(map[string][]string{"x-tenant": {"acme"}}), ld))

	// See testdata/golden/logs_all_sources/expected.yaml: 3 resources get tenant.id
	// (upsert); the environment inserts 1+3+3; static inserts 3; the tenants
	// table adds 2 columns to each of 3; ownership 4 columns to each of 3.
	assert.Equal(t, map[string]int64{"metadata": 3, "environment": 7, "static": 3, "lookup": 18},
		testutil.IntSumBy(t, tt.Reader, "otelcol_processor_enrichment_attributes_added", "source"))
	assert.Equal(t, map[string]int64{"tenants": 3, "ownership": 2},
		testutil.IntSumBy(t, tt.Reader, "otelcol_processor_enrichment_lookup_hits", "table"))
	assert.Equal(t, map[string]int64{"ownership": 1},
		testutil.IntSumBy(t, tt.Reader, "otelcol_processor_enrichment_lookup_misses", "table"))

	// A request without the header: resources 1 and 2 have no tenant.id and
	// resource 0 keeps sender-tenant, which the table lacks: 3 more misses
	// (counters are cumulative).
	ld = allSources.Logs(t, "")
	require.NoError(t, p.Logs.ConsumeLogs(context.Background(), ld))
	assert.Equal(t, map[string]int64{"tenants": 3, "ownership": 2},
		testutil.IntSumBy(t, tt.Reader, "otelcol_processor_enrichment_lookup_misses", "table"))
	for _, rl := range ld.ResourceLogs().All() {
		v, ok := rl.Resource().Attributes().Get("tenant.id")
		if ok {
			assert.Equal(t, "sender-tenant", v.Str(), "only the sender's own value")
		}
	}
}
