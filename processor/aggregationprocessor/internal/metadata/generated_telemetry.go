// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Meter returns the component's meter.
func Meter(settings component.TelemetrySettings) metric.Meter {
	return settings.MeterProvider.Meter(ScopeName)
}

// Tracer returns the component's tracer.
func Tracer(settings component.TelemetrySettings) trace.Tracer {
	return settings.TracerProvider.Tracer(ScopeName)
}

// TelemetryBuilder provides the instruments of the component's own telemetry.
type TelemetryBuilder struct {
	meter                              metric.Meter
	mu                                 sync.Mutex
	registrations                      []metric.Registration
	ProcessorAggregationInputPoints    metric.Int64Counter
	ProcessorAggregationOutputPoints   metric.Int64Counter
	ProcessorAggregationActiveSeries   metric.Int64ObservableGauge
	ProcessorAggregationLatePoints     metric.Int64Counter
	ProcessorAggregationDroppedPoints  metric.Int64Counter
	ProcessorAggregationOverflowSeries metric.Int64Counter
	ProcessorAggregationFlushDuration  metric.Float64Histogram
}

// TelemetryBuilderOption applies changes to default builder.
type TelemetryBuilderOption interface {
	apply(*TelemetryBuilder)
}

// RegisterProcessorAggregationActiveSeriesCallback sets the callback of the
// otelcol_processor_aggregation_active_series observable gauge.
func (builder *TelemetryBuilder) RegisterProcessorAggregationActiveSeriesCallback(cb metric.Int64Callback) error {
	reg, err := builder.meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		return cb(ctx, &observerInt64{inst: builder.ProcessorAggregationActiveSeries, obs: o})
	}, builder.ProcessorAggregationActiveSeries)
	if err != nil {
		return err
	}
	builder.mu.Lock()
	defer builder.mu.Unlock()
	builder.registrations = append(builder.registrations, reg)
	return nil
}

type observerInt64 struct {
	metric.Int64Observer
	inst metric.Int64Observable
	obs  metric.Observer
}

func (o *observerInt64) Observe(value int64, opts ...metric.ObserveOption) {
	o.obs.ObserveInt64(o.inst, value, opts...)
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
	builder.ProcessorAggregationInputPoints, err = builder.meter.Int64Counter(
		"otelcol_processor_aggregation_input_points",
		metric.WithDescription("Data points taken in by an aggregation rule [Development]"),
		metric.WithUnit("{point}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAggregationOutputPoints, err = builder.meter.Int64Counter(
		"otelcol_processor_aggregation_output_points",
		metric.WithDescription("Aggregated data points emitted by an aggregation rule [Development]"),
		metric.WithUnit("{point}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAggregationActiveSeries, err = builder.meter.Int64ObservableGauge(
		"otelcol_processor_aggregation_active_series",
		metric.WithDescription("Output series in the open windows of an aggregation rule [Development]"),
		metric.WithUnit("{series}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAggregationLatePoints, err = builder.meter.Int64Counter(
		"otelcol_processor_aggregation_late_points",
		metric.WithDescription("Data points stamped in an already flushed window, by action (current_window or drop) [Development]"),
		metric.WithUnit("{point}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAggregationDroppedPoints, err = builder.meter.Int64Counter(
		"otelcol_processor_aggregation_dropped_points",
		metric.WithDescription("Data points not aggregated, by reason (late, invalid, input_series_limit, histogram_bounds) [Development]"),
		metric.WithUnit("{point}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAggregationOverflowSeries, err = builder.meter.Int64Counter(
		"otelcol_processor_aggregation_overflow_series",
		metric.WithDescription("Series folded into the overflow series because the rule reached max_series, counted once per window [Development]"),
		metric.WithUnit("{series}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAggregationFlushDuration, err = builder.meter.Float64Histogram(
		"otelcol_processor_aggregation_flush_duration",
		metric.WithDescription("Time to build the output of the windows closed by one flush [Development]"),
		metric.WithUnit("s"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
