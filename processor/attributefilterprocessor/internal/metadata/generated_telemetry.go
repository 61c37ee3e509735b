// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata

import (
	"errors"
	"sync"

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

// TelemetryBuilder provides an interface for components to report telemetry
// as defined in metadata and user config.
type TelemetryBuilder struct {
	meter                                            metric.Meter
	mu                                               sync.Mutex
	registrations                                    []metric.Registration
	ProcessorAttributeFilterAttributesRemoved        metric.Int64Counter
	ProcessorAttributeFilterCardinalityOverflows     metric.Int64Counter
	ProcessorAttributeFilterKeyVerdictEvictions      metric.Int64Counter
	ProcessorAttributeFilterPointsDroppedOnCollision metric.Int64Counter
	ProcessorAttributeFilterPointsMerged             metric.Int64Counter
	ProcessorAttributeFilterRecordsDropped           metric.Int64Counter
	ProcessorAttributeFilterValuesTruncated          metric.Int64Counter
}

// TelemetryBuilderOption applies changes to default builder.
type TelemetryBuilderOption interface {
	apply(*TelemetryBuilder)
}

// Shutdown unregister all registered callbacks for async instruments.
func (builder *TelemetryBuilder) Shutdown() {
	builder.mu.Lock()
	defer builder.mu.Unlock()
	for _, reg := range builder.registrations {
		_ = reg.Unregister()
	}
}

// NewTelemetryBuilder provides a struct with methods to update all internal telemetry
// for a component
func NewTelemetryBuilder(settings component.TelemetrySettings, options ...TelemetryBuilderOption) (*TelemetryBuilder, error) {
	builder := TelemetryBuilder{}
	for _, op := range options {
		op.apply(&builder)
	}
	builder.meter = Meter(settings)
	var err, errs error
	builder.ProcessorAttributeFilterAttributesRemoved, err = builder.meter.Int64Counter(
		"otelcol_processor_attribute_filter_attributes_removed",
		metric.WithDescription("Attributes removed by the key allow or deny lists or by the max_attributes limit. [Alpha]"),
		metric.WithUnit("{attributes}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAttributeFilterCardinalityOverflows, err = builder.meter.Int64Counter(
		"otelcol_processor_attribute_filter_cardinality_overflows",
		metric.WithDescription("Attribute values replaced by the overflow value because the metric's distinct value budget for the window was spent. [Alpha]"),
		metric.WithUnit("{values}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAttributeFilterKeyVerdictEvictions, err = builder.meter.Int64Counter(
		"otelcol_processor_attribute_filter_key_verdict_evictions",
		metric.WithDescription("Key verdicts of glob and regular expression key lists dropped from the bounded verdict cache to make room for new keys. [Alpha]"),
		metric.WithUnit("{keys}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAttributeFilterPointsDroppedOnCollision, err = builder.meter.Int64Counter(
		"otelcol_processor_attribute_filter_points_dropped_on_collision",
		metric.WithDescription("Data points dropped because, after overflow replacement, they collided with another series and could not be merged exactly. [Alpha]"),
		metric.WithUnit("{datapoints}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAttributeFilterPointsMerged, err = builder.meter.Int64Counter(
		"otelcol_processor_attribute_filter_points_merged",
		metric.WithDescription("Data points folded into another point of the same series after overflow replacement. [Alpha]"),
		metric.WithUnit("{datapoints}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAttributeFilterRecordsDropped, err = builder.meter.Int64Counter(
		"otelcol_processor_attribute_filter_records_dropped",
		metric.WithDescription("Records (spans, span events, span links, data points, log records) dropped by a rule. [Alpha]"),
		metric.WithUnit("{records}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAttributeFilterValuesTruncated, err = builder.meter.Int64Counter(
		"otelcol_processor_attribute_filter_values_truncated",
		metric.WithDescription("String values cut to max_string_length and arrays cut to max_array_length. [Alpha]"),
		metric.WithUnit("{values}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
