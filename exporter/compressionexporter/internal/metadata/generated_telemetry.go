// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"

import (
	"context"
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
	meter                                         metric.Meter
	mu                                            sync.Mutex
	registrations                                 []metric.Registration
	ExporterCompressionBytesUncompressed          metric.Int64Counter
	ExporterCompressionBytesCompressed            metric.Int64Counter
	ExporterCompressionRequests                   metric.Int64Counter
	ExporterCompressionCPUTime                    metric.Float64Counter
	ExporterCompressionFallbacks                  metric.Int64Counter
	ExporterCompressionChoice                     metric.Int64ObservableGauge
	ExporterCompressionLinkThroughput             metric.Float64ObservableGauge
	ExporterCompressionEndpointRequests           metric.Int64Counter
	ExporterCompressionEndpointBytes              metric.Int64Counter
	ExporterCompressionEndpointReroutes           metric.Int64Counter
	ExporterCompressionEndpointBreakerTransitions metric.Int64Counter
	ExporterCompressionEndpointBreakerState       metric.Int64ObservableGauge
}

// TelemetryBuilderOption applies changes to default builder.
type TelemetryBuilderOption interface {
	apply(*TelemetryBuilder)
}

// RegisterExporterCompressionChoiceCallback sets callback for observable ExporterCompressionChoice metric.
func (builder *TelemetryBuilder) RegisterExporterCompressionChoiceCallback(cb metric.Int64Callback) error {
	reg, err := builder.meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		return cb(ctx, &observerInt64{inst: builder.ExporterCompressionChoice, obs: o})
	}, builder.ExporterCompressionChoice)
	if err != nil {
		return err
	}
	builder.mu.Lock()
	defer builder.mu.Unlock()
	builder.registrations = append(builder.registrations, reg)
	return nil
}

// RegisterExporterCompressionLinkThroughputCallback sets callback for observable ExporterCompressionLinkThroughput metric.
func (builder *TelemetryBuilder) RegisterExporterCompressionLinkThroughputCallback(cb metric.Float64Callback) error {
	reg, err := builder.meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		return cb(ctx, &observerFloat64{inst: builder.ExporterCompressionLinkThroughput, obs: o})
	}, builder.ExporterCompressionLinkThroughput)
	if err != nil {
		return err
	}
	builder.mu.Lock()
	defer builder.mu.Unlock()
	builder.registrations = append(builder.registrations, reg)
	return nil
}

// RegisterExporterCompressionEndpointBreakerStateCallback sets callback for observable ExporterCompressionEndpointBreakerState metric.
func (builder *TelemetryBuilder) RegisterExporterCompressionEndpointBreakerStateCallback(cb metric.Int64Callback) error {
	reg, err := builder.meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		return cb(ctx, &observerInt64{inst: builder.ExporterCompressionEndpointBreakerState, obs: o})
	}, builder.ExporterCompressionEndpointBreakerState)
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

func (oi *observerInt64) Observe(value int64, opts ...metric.ObserveOption) {
	oi.obs.ObserveInt64(oi.inst, value, opts...)
}

type observerFloat64 struct {
	metric.Float64Observer
	inst metric.Float64Observable
	obs  metric.Observer
}

func (of *observerFloat64) Observe(value float64, opts ...metric.ObserveOption) {
	of.obs.ObserveFloat64(of.inst, value, opts...)
}

// Shutdown unregister all registered callbacks for async instruments.
func (builder *TelemetryBuilder) Shutdown() {
	builder.mu.Lock()
	defer builder.mu.Unlock()
	for _, reg := range builder.registrations {
		_ = reg.Unregister()
	}
	builder.registrations = nil
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
	builder.ExporterCompressionBytesUncompressed, err = builder.meter.Int64Counter(
		"otelcol_exporter_compression_bytes_uncompressed",
		metric.WithDescription("Bytes of marshalled OTLP requests before compression, per codec and signal. [Alpha]"),
		metric.WithUnit("By"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterCompressionBytesCompressed, err = builder.meter.Int64Counter(
		"otelcol_exporter_compression_bytes_compressed",
		metric.WithDescription("Bytes of request bodies after compression (on the wire), per codec and signal. [Alpha]"),
		metric.WithUnit("By"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterCompressionRequests, err = builder.meter.Int64Counter(
		"otelcol_exporter_compression_requests",
		metric.WithDescription("Requests sent, per codec, signal and outcome. [Alpha]"),
		metric.WithUnit("{request}"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterCompressionCPUTime, err = builder.meter.Float64Counter(
		"otelcol_exporter_compression_cpu_time",
		metric.WithDescription("CPU time spent compressing (thread CPU time), per codec and phase (send or trial). [Alpha]"),
		metric.WithUnit("s"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterCompressionFallbacks, err = builder.meter.Int64Counter(
		"otelcol_exporter_compression_fallbacks",
		metric.WithDescription("Requests resent with another codec after the server rejected one. [Alpha]"),
		metric.WithUnit("{request}"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterCompressionChoice, err = builder.meter.Int64ObservableGauge(
		"otelcol_exporter_compression_choice",
		metric.WithDescription("Current codec choice per signal: 1 for the codec, level and reason in use. [Alpha]"),
		metric.WithUnit("1"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterCompressionLinkThroughput, err = builder.meter.Float64ObservableGauge(
		"otelcol_exporter_compression_link_throughput",
		metric.WithDescription("Link throughput used by the adaptive cost model. [Alpha]"),
		metric.WithUnit("By/s"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterCompressionEndpointRequests, err = builder.meter.Int64Counter(
		"otelcol_exporter_compression_endpoint_requests",
		metric.WithDescription("Requests sent per resolved endpoint, signal and outcome (success, failure, permanent). [Alpha]"),
		metric.WithUnit("{request}"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterCompressionEndpointBytes, err = builder.meter.Int64Counter(
		"otelcol_exporter_compression_endpoint_bytes",
		metric.WithDescription("Bytes of marshalled OTLP requests delivered per resolved endpoint and signal (before compression). [Alpha]"),
		metric.WithUnit("By"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterCompressionEndpointReroutes, err = builder.meter.Int64Counter(
		"otelcol_exporter_compression_endpoint_reroutes",
		metric.WithDescription("Items (spans, data points, log records) sent to an endpoint other than their key's first because that one's breaker was open, per receiving endpoint and signal. [Alpha]"),
		metric.WithUnit("{item}"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterCompressionEndpointBreakerTransitions, err = builder.meter.Int64Counter(
		"otelcol_exporter_compression_endpoint_breaker_transitions",
		metric.WithDescription("Circuit breaker state changes per resolved endpoint and signal (attributes from, to). [Alpha]"),
		metric.WithUnit("{transition}"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterCompressionEndpointBreakerState, err = builder.meter.Int64ObservableGauge(
		"otelcol_exporter_compression_endpoint_breaker_state",
		metric.WithDescription("Circuit breaker state per resolved endpoint and signal: 0 closed, 1 half-open, 2 open. [Alpha]"),
		metric.WithUnit("1"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
