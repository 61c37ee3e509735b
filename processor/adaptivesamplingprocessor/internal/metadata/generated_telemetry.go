// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"

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

// TelemetryBuilder provides the instruments of the component. All of them are
// asynchronous: the span path only updates atomic counters, read at collection.
type TelemetryBuilder struct {
	meter         metric.Meter
	mu            sync.Mutex
	registrations []metric.Registration

	ProcessorAdaptiveSamplingDecisions            metric.Int64ObservableCounter
	ProcessorAdaptiveSamplingKeyProbability       metric.Float64ObservableGauge
	ProcessorAdaptiveSamplingBufferedTraces       metric.Int64ObservableGauge
	ProcessorAdaptiveSamplingBufferedSpans        metric.Int64ObservableGauge
	ProcessorAdaptiveSamplingEarlyDecisions       metric.Int64ObservableCounter
	ProcessorAdaptiveSamplingLateSpans            metric.Int64ObservableCounter
	ProcessorAdaptiveSamplingSharedStateErrors    metric.Int64ObservableCounter
	ProcessorAdaptiveSamplingBudgetGuard          metric.Int64ObservableCounter
	ProcessorAdaptiveSamplingLoadSheddingFactor   metric.Float64ObservableGauge
	ProcessorAdaptiveSamplingLoadSheddingChanges  metric.Int64ObservableCounter
	ProcessorAdaptiveSamplingSharedStateFallbacks metric.Int64ObservableCounter
	ProcessorAdaptiveSamplingSharedStateReplicas  metric.Int64ObservableGauge
}

// Shutdown unregisters all registered callbacks for async instruments.
func (builder *TelemetryBuilder) Shutdown() {
	builder.mu.Lock()
	defer builder.mu.Unlock()
	for _, reg := range builder.registrations {
		_ = reg.Unregister()
	}
	builder.registrations = nil
}

// RegisterCallback registers cb for all instruments of the builder.
func (builder *TelemetryBuilder) RegisterCallback(cb metric.Callback) error {
	reg, err := builder.meter.RegisterCallback(cb,
		builder.ProcessorAdaptiveSamplingDecisions,
		builder.ProcessorAdaptiveSamplingKeyProbability,
		builder.ProcessorAdaptiveSamplingBufferedTraces,
		builder.ProcessorAdaptiveSamplingBufferedSpans,
		builder.ProcessorAdaptiveSamplingEarlyDecisions,
		builder.ProcessorAdaptiveSamplingLateSpans,
		builder.ProcessorAdaptiveSamplingSharedStateErrors,
		builder.ProcessorAdaptiveSamplingBudgetGuard,
		builder.ProcessorAdaptiveSamplingLoadSheddingFactor,
		builder.ProcessorAdaptiveSamplingLoadSheddingChanges,
		builder.ProcessorAdaptiveSamplingSharedStateFallbacks,
		builder.ProcessorAdaptiveSamplingSharedStateReplicas,
	)
	if err != nil {
		return err
	}
	builder.mu.Lock()
	defer builder.mu.Unlock()
	builder.registrations = append(builder.registrations, reg)
	return nil
}

// NewTelemetryBuilder creates the instruments of the component.
func NewTelemetryBuilder(settings component.TelemetrySettings) (*TelemetryBuilder, error) {
	builder := TelemetryBuilder{meter: Meter(settings)}
	var err, errs error
	builder.ProcessorAdaptiveSamplingDecisions, err = builder.meter.Int64ObservableCounter(
		"otelcol_processor_adaptive_sampling_decisions",
		metric.WithDescription("Sampling decisions by rule and outcome (spans in consistent mode, traces in tail mode, log records for logs) [Development]"),
		metric.WithUnit("{decisions}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAdaptiveSamplingKeyProbability, err = builder.meter.Float64ObservableGauge(
		"otelcol_processor_adaptive_sampling_key_probability",
		metric.WithDescription("Current keep probability of the busiest keys of each adaptive rule [Development]"),
		metric.WithUnit("1"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAdaptiveSamplingBufferedTraces, err = builder.meter.Int64ObservableGauge(
		"otelcol_processor_adaptive_sampling_buffered_traces",
		metric.WithDescription("Traces waiting for a decision in tail mode [Development]"),
		metric.WithUnit("{traces}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAdaptiveSamplingBufferedSpans, err = builder.meter.Int64ObservableGauge(
		"otelcol_processor_adaptive_sampling_buffered_spans",
		metric.WithDescription("Spans waiting for a decision in tail mode [Development]"),
		metric.WithUnit("{spans}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAdaptiveSamplingEarlyDecisions, err = builder.meter.Int64ObservableCounter(
		"otelcol_processor_adaptive_sampling_early_decisions",
		metric.WithDescription("Traces decided before their time because the buffer was full or the trace reached span_limit [Development]"),
		metric.WithUnit("{traces}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAdaptiveSamplingLateSpans, err = builder.meter.Int64ObservableCounter(
		"otelcol_processor_adaptive_sampling_late_spans",
		metric.WithDescription("Spans that arrived after their trace was decided, by cached outcome [Development]"),
		metric.WithUnit("{spans}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAdaptiveSamplingSharedStateErrors, err = builder.meter.Int64ObservableCounter(
		"otelcol_processor_adaptive_sampling_shared_state_errors",
		metric.WithDescription("Failed or timed out shared-state calls; the adjustment used local counts [Development]"),
		metric.WithUnit("{errors}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAdaptiveSamplingBudgetGuard, err = builder.meter.Int64ObservableCounter(
		"otelcol_processor_adaptive_sampling_budget_guard",
		metric.WithDescription("Times the budget guard of an adaptive_throughput rule changed rates within an interval [Development]"),
		metric.WithUnit("{activations}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAdaptiveSamplingLoadSheddingFactor, err = builder.meter.Float64ObservableGauge(
		"otelcol_processor_adaptive_sampling_load_shedding_factor",
		metric.WithDescription("Current load-shedding factor multiplying the rates of the affected rules (1: no shedding) [Development]"),
		metric.WithUnit("1"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAdaptiveSamplingLoadSheddingChanges, err = builder.meter.Int64ObservableCounter(
		"otelcol_processor_adaptive_sampling_load_shedding_changes",
		metric.WithDescription("Changes of the load-shedding factor by reason (latency, queue, errors, open_breakers, recovered) [Development]"),
		metric.WithUnit("{changes}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAdaptiveSamplingSharedStateFallbacks, err = builder.meter.Int64ObservableCounter(
		"otelcol_processor_adaptive_sampling_shared_state_fallbacks",
		metric.WithDescription("Adjustments made without fleet-wide counts because the shared state failed, by fallback state (last_table, divided, local) [Development]"),
		metric.WithUnit("{adjustments}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorAdaptiveSamplingSharedStateReplicas, err = builder.meter.Int64ObservableGauge(
		"otelcol_processor_adaptive_sampling_shared_state_replicas",
		metric.WithDescription("Live replicas registered in the shared state at the last successful adjustment [Development]"),
		metric.WithUnit("{replicas}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
