// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata // import "github.com/otelgate/otelgate/processor/encryptionprocessor/internal/metadata"

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

// TelemetryBuilder provides the instruments of the component.
type TelemetryBuilder struct {
	meter metric.Meter

	ProcessorEncryptionValuesEncrypted     metric.Int64Counter
	ProcessorEncryptionValuesDecrypted     metric.Int64Counter
	ProcessorEncryptionDecryptFailures     metric.Int64Counter
	ProcessorEncryptionRecordsDropped      metric.Int64Counter
	ProcessorEncryptionAttributesDropped   metric.Int64Counter
	ProcessorEncryptionKeyVerdictEvictions metric.Int64Counter
}

// Shutdown releases the builder (it registers no callbacks).
func (builder *TelemetryBuilder) Shutdown() {}

// NewTelemetryBuilder creates the instruments of the component.
func NewTelemetryBuilder(settings component.TelemetrySettings) (*TelemetryBuilder, error) {
	builder := TelemetryBuilder{meter: Meter(settings)}
	var err, errs error
	builder.ProcessorEncryptionValuesEncrypted, err = builder.meter.Int64Counter(
		"otelcol_processor_encryption_values_encrypted",
		metric.WithDescription("Values encrypted, by level, algorithm and key ID. [Alpha]"),
		metric.WithUnit("{value}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorEncryptionValuesDecrypted, err = builder.meter.Int64Counter(
		"otelcol_processor_encryption_values_decrypted",
		metric.WithDescription("Values decrypted and authenticated, by level. [Alpha]"),
		metric.WithUnit("{value}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorEncryptionDecryptFailures, err = builder.meter.Int64Counter(
		"otelcol_processor_encryption_decrypt_failures",
		metric.WithDescription("Selected values that failed to decrypt, by level and reason (malformed, unknown_key, truncated, tampered). [Alpha]"),
		metric.WithUnit("{value}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorEncryptionRecordsDropped, err = builder.meter.Int64Counter(
		"otelcol_processor_encryption_records_dropped",
		metric.WithDescription("Spans, data points and log records dropped by on_error: drop_record. [Alpha]"),
		metric.WithUnit("{record}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorEncryptionAttributesDropped, err = builder.meter.Int64Counter(
		"otelcol_processor_encryption_attributes_dropped",
		metric.WithDescription("Attributes and log bodies removed by on_error: drop_attribute. [Alpha]"),
		metric.WithUnit("{value}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorEncryptionKeyVerdictEvictions, err = builder.meter.Int64Counter(
		"otelcol_processor_encryption_key_verdict_evictions",
		metric.WithDescription("Selections of glob and regex attribute rules dropped from the bounded verdict cache to make room for new keys. [Alpha]"),
		metric.WithUnit("{keys}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
