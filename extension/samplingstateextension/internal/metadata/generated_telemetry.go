package metadata // import "github.com/otelgate/otelgate/extension/samplingstateextension/internal/metadata"

import (
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

func Meter(settings component.TelemetrySettings) metric.Meter {
	return settings.MeterProvider.Meter(ScopeName)
}

func Tracer(settings component.TelemetrySettings) trace.Tracer {
	return settings.TracerProvider.Tracer(ScopeName)
}

// TelemetryBuilder provides the instruments of the component. They are
// synchronous: the store is called only from the processors' background
// loops, never on the span path.
type TelemetryBuilder struct {
	meter metric.Meter

	ExtensionSamplingStateCallDuration metric.Float64Histogram
	ExtensionSamplingStateErrors       metric.Int64Counter
	ExtensionSamplingStateReplicas     metric.Int64Gauge
}

// Shutdown releases nothing: the instruments are synchronous.
func (builder *TelemetryBuilder) Shutdown() {}

// NewTelemetryBuilder creates the instruments of the component.
func NewTelemetryBuilder(settings component.TelemetrySettings) (*TelemetryBuilder, error) {
	builder := TelemetryBuilder{meter: Meter(settings)}
	var err, errs error
	builder.ExtensionSamplingStateCallDuration, err = builder.meter.Float64Histogram(
		"otelcol_extension_sampling_state_call_duration",
		metric.WithDescription("Duration of calls to the sampling state backend, by operation [Development]"),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
	)
	errs = errors.Join(errs, err)
	builder.ExtensionSamplingStateErrors, err = builder.meter.Int64Counter(
		"otelcol_extension_sampling_state_errors",
		metric.WithDescription("Failed or timed out calls to the sampling state backend, by operation [Development]"),
		metric.WithUnit("{errors}"),
	)
	errs = errors.Join(errs, err)
	builder.ExtensionSamplingStateReplicas, err = builder.meter.Int64Gauge(
		"otelcol_extension_sampling_state_replicas",
		metric.WithDescription("Live replicas of the group at the last successful heartbeat, by group [Development]"),
		metric.WithUnit("{replicas}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
