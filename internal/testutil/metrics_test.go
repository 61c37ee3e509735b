package testutil

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// TestMetricReaders: sums over the points whose attributes include the ones
// asked for, grouping by one key, and 0 for a metric never recorded.
func TestMetricReaders(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	meter := tel.NewTelemetrySettings().MeterProvider.Meter("testutil")
	ctx := context.Background()

	dropped, err := meter.Int64Counter("dropped")
	require.NoError(t, err)
	dropped.Add(ctx, 3, metric.WithAttributes(attribute.String("reason", "invalid"), attribute.String("rule", "a")))
	dropped.Add(ctx, 4, metric.WithAttributes(attribute.String("reason", "late"), attribute.String("rule", "a")))
	dropped.Add(ctx, 5, metric.WithAttributes(attribute.String("reason", "late"), attribute.String("rule", "b")))
	dropped.Add(ctx, 6)
	bytes, err := meter.Float64Counter("bytes")
	require.NoError(t, err)
	bytes.Add(ctx, 1.5, metric.WithAttributes(attribute.String("codec", "zstd")))
	bytes.Add(ctx, 2.25, metric.WithAttributes(attribute.String("codec", "gzip")))

	assert.Equal(t, int64(18), IntSum(t, tel.Reader, "dropped"))
	assert.Equal(t, int64(9), IntSum(t, tel.Reader, "dropped", attribute.String("reason", "late")))
	assert.Equal(t, int64(4), IntSum(t, tel.Reader, "dropped", attribute.String("reason", "late"), attribute.String("rule", "a")))
	assert.Equal(t, int64(0), IntSum(t, tel.Reader, "dropped", attribute.String("reason", "other")))
	assert.Equal(t, int64(0), IntSum(t, tel.Reader, "never_recorded"))
	assert.Equal(t, map[string]int64{"invalid": 3, "late": 9, "": 6}, IntSumBy(t, tel.Reader, "dropped", "reason"))
	assert.InDelta(t, 18.0, Sum(t, tel.Reader, "dropped"), 0)
	assert.InDelta(t, 3.75, Sum(t, tel.Reader, "bytes"), 0)
	assert.InDelta(t, 2.25, Sum(t, tel.Reader, "bytes", attribute.String("codec", "gzip")), 0)
	_, ok := Metric(t, tel.Reader, "never_recorded")
	assert.False(t, ok)
}
