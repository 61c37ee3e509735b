package aggregationprocessor

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/metadata"
)

// base is the start of window 0 in the golden cases (a multiple of every
// interval they use).
var base = time.Unix(1_700_000_000, 0)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func loadConfig(t testing.TB, path string) *Config {
	t.Helper()
	cfg := testutil.LoadConfig(t, path, "", NewFactory()).(*Config)
	require.NoError(t, cfg.Validate())
	return cfg
}

func newTestProcessor(t testing.TB, cfg *Config, c *clock) (*aggregationProcessor, *consumertest.MetricsSink) {
	t.Helper()
	sink := &consumertest.MetricsSink{}
	p, err := newProcessor(processortest.NewNopSettings(metadata.Type), cfg, sink, c.Now)
	require.NoError(t, err)
	return p, sink
}

// merged puts every data point of mds under one resource/scope/metric
// each, so a sequence of flushes compares as one document.
func merged(mds []pmetric.Metrics) pmetric.Metrics {
	out := pmetric.NewMetrics()
	rms := map[string]pmetric.ResourceMetrics{}
	sms := map[string]pmetric.ScopeMetrics{}
	ms := map[string]pmetric.Metric{}
	for _, md := range mds {
		for _, rm := range md.ResourceMetrics().All() {
			rk := fmt.Sprint(rm.Resource().Attributes().AsRaw(), rm.SchemaUrl())
			orm, ok := rms[rk]
			if !ok {
				orm = out.ResourceMetrics().AppendEmpty()
				rm.Resource().CopyTo(orm.Resource())
				orm.SetSchemaUrl(rm.SchemaUrl())
				rms[rk] = orm
			}
			for _, sm := range rm.ScopeMetrics().All() {
				sk := rk + "|" + sm.Scope().Name() + "|" + sm.Scope().Version()
				osm, ok := sms[sk]
				if !ok {
					osm = orm.ScopeMetrics().AppendEmpty()
					sm.Scope().CopyTo(osm.Scope())
					osm.SetSchemaUrl(sm.SchemaUrl())
					sms[sk] = osm
				}
				for _, m := range sm.Metrics().All() {
					mk := sk + "|" + m.Name() + "|" + m.Type().String()
					om, ok := ms[mk]
					if !ok {
						om = osm.Metrics().AppendEmpty()
						m.CopyTo(om)
						ms[mk] = om
						continue
					}
					appendPoints(m, om)
				}
			}
		}
	}
	return out
}

func appendPoints(src, dst pmetric.Metric) {
	switch src.Type() {
	case pmetric.MetricTypeGauge:
		for _, dp := range src.Gauge().DataPoints().All() {
			dp.CopyTo(dst.Gauge().DataPoints().AppendEmpty())
		}
	case pmetric.MetricTypeSum:
		for _, dp := range src.Sum().DataPoints().All() {
			dp.CopyTo(dst.Sum().DataPoints().AppendEmpty())
		}
	case pmetric.MetricTypeHistogram:
		for _, dp := range src.Histogram().DataPoints().All() {
			dp.CopyTo(dst.Histogram().DataPoints().AppendEmpty())
		}
	case pmetric.MetricTypeExponentialHistogram:
		for _, dp := range src.ExponentialHistogram().DataPoints().All() {
			dp.CopyTo(dst.ExponentialHistogram().DataPoints().AppendEmpty())
		}
	}
}
