package shipped

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/otelgate/otelgate/internal/loadgen"
)

// TestShippedPipelinesRun: the benchmarks' harness builds every processor
// of every pipeline of config.yaml, and a request goes through each chain.
// The metrics chain ends in aggregation, which holds its points until the
// window closes; the traces and logs chains sample, so they deliver a share.
func TestShippedPipelinesRun(t *testing.T) {
	s := loadShipped(t)
	g := loadgen.New(loadgen.DefaultConfig())
	for _, c := range []struct {
		sig      signal
		request  any
		delivers bool
	}{
		{tracesSignal, g.Traces(200), true},
		{metricsSignal, g.Metrics(400), false},
		{logsSignal, g.Logs(2000), true},
	} {
		t.Run(c.sig.name, func(t *testing.T) {
			ids := s.pipeline(t, c.sig.name)
			for _, id := range ids {
				_, ok := processorFactories[id.Type()]
				require.True(t, ok, "config.yaml's %s pipeline uses %s, which the benchmarks build", c.sig.name, id)
			}
			sink := &consumertest.TracesSink{}
			var next any = sink
			switch c.sig.name {
			case "metrics":
				next = &consumertest.MetricsSink{}
			case "logs":
				next = &consumertest.LogsSink{}
			}
			first := s.chain(t, c.sig, ids, next)
			require.NoError(t, c.sig.consume(first, c.sig.copyOf(c.request)))
			if !c.delivers {
				return
			}
			count := func() int {
				if n, ok := next.(*consumertest.LogsSink); ok {
					return n.LogRecordCount()
				}
				return sink.SpanCount()
			}
			// The batch processor sends within its 1 s timeout.
			require.Eventually(t, func() bool { return count() > 0 }, 30*time.Second, 50*time.Millisecond,
				"the %s chain delivers part of the request", c.sig.name)
			assert.Less(t, count(), c.sig.items(c.request), "the %s chain samples", c.sig.name)
		})
	}
}

// TestShippedAttributeFilterRow: bench/32-attribute-filter-shipped.yaml
// measures config.yaml's attribute_filter section, so the two must not drift.
func TestShippedAttributeFilterRow(t *testing.T) {
	section := func(path string) map[string]any {
		cm, err := confmaptest.LoadConf(path)
		require.NoError(t, err)
		sub, err := cm.Sub("processors::attribute_filter")
		require.NoError(t, err)
		require.NotEmpty(t, sub.AllKeys(), "%s has an attribute_filter section", path)
		return sub.ToStringMap()
	}
	assert.Equal(t, section("../../config.yaml"), section("../../bench/32-attribute-filter-shipped.yaml"),
		"bench/32-attribute-filter-shipped.yaml's attribute_filter is config.yaml's")
}
