package aggregationprocessor

import (
	"fmt"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelgate/otelgate/internal/testutil"
)

var anyOrder = []pmetrictest.CompareMetricsOption{
	pmetrictest.IgnoreResourceMetricsOrder(),
	pmetrictest.IgnoreScopeMetricsOrder(),
	pmetrictest.IgnoreMetricsOrder(),
	pmetrictest.IgnoreMetricDataPointsOrder(),
}

// TestGolden runs the cases of testdata/golden/<case>: config.yaml is the
// processor configuration; input.yaml, input_1.yaml, input_2.yaml... are
// consumed in order, step i at base + i*step + step/2 (step: the case's
// first rule interval), with a flush at base + i*step before every step
// after the first; then the processor shuts down (flushing every open
// window). expected.yaml is everything flushed, merged into one document;
// passthrough.yaml, when present, is what went on unaggregated.
func TestGolden(t *testing.T) {
	testutil.RunGolden(t, func(c testutil.GoldenCase) {
		t := c.T
		cfg := createDefaultConfig().(*Config)
		c.LoadConfig(t, cfg)
		step := cfg.Rules[0].Interval
		clk := &clock{t: base.Add(step / 2)}
		p, sink := newTestProcessor(t, cfg, clk)
		// Start is not called: no ticker runs, the test drives every flush.
		var passed, flushed []pmetric.Metrics
		took := func(dst *[]pmetric.Metrics, f func()) {
			before := len(sink.AllMetrics())
			f()
			*dst = append(*dst, sink.AllMetrics()[before:]...)
		}
		for i := 0; ; i++ {
			name := "input.yaml"
			if i > 0 {
				name = fmt.Sprintf("input_%d.yaml", i)
			}
			if !c.Exists(name) {
				break
			}
			if i > 0 {
				boundary := base.Add(time.Duration(i) * step)
				took(&flushed, func() { require.NoError(t, p.flush(t.Context(), boundary, false)) })
				clk.Set(boundary.Add(step / 2))
			}
			in := c.Metrics(t, name)
			took(&passed, func() { require.NoError(t, p.ConsumeMetrics(t.Context(), in)) })
		}
		took(&flushed, func() { require.NoError(t, p.Shutdown(t.Context())) })
		c.ExpectMetrics(t, "", merged(flushed), anyOrder...)
		if c.Exists("passthrough.yaml") || testutil.Update() && len(passed) > 0 {
			c.ExpectMetrics(t, "passthrough.yaml", merged(passed), anyOrder...)
		} else {
			require.Empty(t, passed, "nothing should pass through unaggregated")
		}
	})
}
