package aggregationprocessor

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
)

var update = flag.Bool("update", false, "rewrite the expected.yaml and passthrough.yaml files of the golden cases")

// TestGolden runs the cases of testdata/golden/<case>: config.yaml is the
// processor configuration; input.yaml, input_1.yaml, input_2.yaml... are
// consumed in order, step i at base + i*step + step/2 (step: the case's
// first rule interval), with a flush at base + i*step before every step
// after the first; then the processor shuts down (flushing every open
// window). expected.yaml is everything flushed, merged into one document;
// passthrough.yaml, when present, is what went on unaggregated.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cfg := loadConfig(t, filepath.Join(dir, "config.yaml"))
			step := cfg.Rules[0].Interval
			c := &clock{t: base.Add(step / 2)}
			p, sink := newTestProcessor(t, cfg, c)
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
				path := filepath.Join(dir, name)
				if _, err := os.Stat(path); err != nil {
					break
				}
				if i > 0 {
					boundary := base.Add(time.Duration(i) * step)
					took(&flushed, func() { require.NoError(t, p.flush(t.Context(), boundary, false)) })
					c.Set(boundary.Add(step / 2))
				}
				in, err := golden.ReadMetrics(path)
				require.NoError(t, err)
				took(&passed, func() { require.NoError(t, p.ConsumeMetrics(t.Context(), in)) })
			}
			took(&flushed, func() { require.NoError(t, p.Shutdown(t.Context())) })
			got := merged(flushed)
			compareOrUpdate(t, filepath.Join(dir, "expected.yaml"), got, true)
			pt := filepath.Join(dir, "passthrough.yaml")
			if _, err := os.Stat(pt); err == nil || *update && len(passed) > 0 {
				compareOrUpdate(t, pt, merged(passed), false)
			} else {
				require.Empty(t, passed, "nothing should pass through unaggregated")
			}
		})
	}
}

func compareOrUpdate(t *testing.T, path string, got pmetric.Metrics, write bool) {
	t.Helper()
	if *update && (write || got.DataPointCount() > 0) {
		require.NoError(t, golden.WriteMetricsToFile(path, got, golden.SkipMetricTimestampNormalization()))
		return
	}
	want, err := golden.ReadMetrics(path)
	require.NoError(t, err)
	require.NoError(t, pmetrictest.CompareMetrics(want, got,
		pmetrictest.IgnoreResourceMetricsOrder(),
		pmetrictest.IgnoreScopeMetricsOrder(),
		pmetrictest.IgnoreMetricsOrder(),
		pmetrictest.IgnoreMetricDataPointsOrder(),
	))
}
