// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
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
	meter                                  metric.Meter
	mu                                     sync.Mutex
	registrations                          []metric.Registration
	ProcessorEnrichmentAttributesAdded     metric.Int64Counter
	ProcessorEnrichmentLookupHits          metric.Int64Counter
	ProcessorEnrichmentLookupMisses        metric.Int64Counter
	ProcessorEnrichmentTableReloadFailures metric.Int64Counter
	ProcessorEnrichmentTableReloads        metric.Int64Counter
	ProcessorEnrichmentTableRows           metric.Int64ObservableGauge
}

// TelemetryBuilderOption applies changes to default builder.
type TelemetryBuilderOption interface {
	apply(*TelemetryBuilder)
}

// RegisterProcessorEnrichmentTableRowsCallback sets callback for observable ProcessorEnrichmentTableRows metric.
func (builder *TelemetryBuilder) RegisterProcessorEnrichmentTableRowsCallback(cb metric.Int64Callback) error {
	reg, err := builder.meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		_ = cb(ctx, &observerInt64{inst: builder.ProcessorEnrichmentTableRows, obs: o}) // as mdatagen: a callback error is not the SDK's
		return nil
	}, builder.ProcessorEnrichmentTableRows)
	if err != nil {
		return err
	}
	builder.mu.Lock()
	defer builder.mu.Unlock()
	builder.registrations = append(builder.registrations, reg)
	return nil
}

type observerInt64 struct {
	embedded.Int64Observer
	inst metric.Int64Observable
	obs  metric.Observer
}

func (oi *observerInt64) Observe(value int64, opts ...metric.ObserveOption) {
	oi.obs.ObserveInt64(oi.inst, value, opts...)
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
	builder.ProcessorEnrichmentAttributesAdded, err = builder.meter.Int64Counter(
		"otelcol_processor_enrichment_attributes_added",
		metric.WithDescription("Attributes written (inserted, or updated to a different value) on resources and records, by source. [Alpha]"),
		metric.WithUnit("{attributes}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorEnrichmentLookupHits, err = builder.meter.Int64Counter(
		"otelcol_processor_enrichment_lookup_hits",
		metric.WithDescription("Lookups whose key matched a table row, by table. [Alpha]"),
		metric.WithUnit("{lookups}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorEnrichmentLookupMisses, err = builder.meter.Int64Counter(
		"otelcol_processor_enrichment_lookup_misses",
		metric.WithDescription("Lookups whose key matched no row or whose key attributes were absent (the default row, if any, was applied), by table. [Alpha]"),
		metric.WithUnit("{lookups}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorEnrichmentTableReloadFailures, err = builder.meter.Int64Counter(
		"otelcol_processor_enrichment_table_reload_failures",
		metric.WithDescription("Table reloads that failed and left the previous table in place, by table. [Alpha]"),
		metric.WithUnit("{reloads}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorEnrichmentTableReloads, err = builder.meter.Int64Counter(
		"otelcol_processor_enrichment_table_reloads",
		metric.WithDescription("Tables replaced by a changed file, by table. [Alpha]"),
		metric.WithUnit("{reloads}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorEnrichmentTableRows, err = builder.meter.Int64ObservableGauge(
		"otelcol_processor_enrichment_table_rows",
		metric.WithDescription("Rows in the current table (the default row not included), by table. [Alpha]"),
		metric.WithUnit("{rows}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
