package testutil

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Metric collects r and returns the metric called name; ok is false when
// the component has not recorded it.
func Metric(t testing.TB, r sdkmetric.Reader, name string) (metricdata.Metrics, bool) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.Collect(context.Background(), &rm))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// IntSum is the sum of the data points of the int64 counter, up-down counter
// or gauge called name whose attributes include attrs: 0 when the metric was
// not recorded; a float or histogram metric fails the test.
func IntSum(t testing.TB, r sdkmetric.Reader, name string, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	var total int64
	for _, dp := range intPoints(t, r, name) {
		if hasAll(dp.Attributes, attrs) {
			total += dp.Value
		}
	}
	return total
}

// IntSumBy groups the int64 data points of the metric called name by the
// value of their attribute key (points without it under ""): empty when the
// metric was not recorded.
func IntSumBy(t testing.TB, r sdkmetric.Reader, name string, key attribute.Key) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, dp := range intPoints(t, r, name) {
		var k string
		if v, ok := dp.Attributes.Value(key); ok {
			k = v.String()
		}
		out[k] += dp.Value
	}
	return out
}

// Sum is the sum of the data points of the counter or gauge called name,
// int64 or float64, whose attributes include attrs: 0 when the metric was not
// recorded; a histogram fails the test.
func Sum(t testing.TB, r sdkmetric.Reader, name string, attrs ...attribute.KeyValue) float64 {
	t.Helper()
	m, ok := Metric(t, r, name)
	if !ok {
		return 0
	}
	var total float64
	switch d := m.Data.(type) {
	case metricdata.Sum[float64]:
		total = sumPoints(d.DataPoints, attrs)
	case metricdata.Gauge[float64]:
		total = sumPoints(d.DataPoints, attrs)
	default:
		for _, dp := range intPoints(t, r, name) {
			if hasAll(dp.Attributes, attrs) {
				total += float64(dp.Value)
			}
		}
	}
	return total
}

func sumPoints(dps []metricdata.DataPoint[float64], attrs []attribute.KeyValue) float64 {
	var total float64
	for _, dp := range dps {
		if hasAll(dp.Attributes, attrs) {
			total += dp.Value
		}
	}
	return total
}

func intPoints(t testing.TB, r sdkmetric.Reader, name string) []metricdata.DataPoint[int64] {
	t.Helper()
	m, ok := Metric(t, r, name)
	if !ok {
		return nil
	}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		return d.DataPoints
	case metricdata.Gauge[int64]:
		return d.DataPoints
	default:
		t.Fatalf("metric %s holds %T, not int64 points", name, m.Data)
		return nil
	}
}

func hasAll(set attribute.Set, attrs []attribute.KeyValue) bool {
	for _, a := range attrs {
		if v, ok := set.Value(a.Key); !ok || v != a.Value {
			return false
		}
	}
	return true
}
