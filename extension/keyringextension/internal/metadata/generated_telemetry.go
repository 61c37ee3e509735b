// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata // import "github.com/otelgate/otelgate/extension/keyringextension/internal/metadata"

import (
	"errors"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"
)

func Meter(settings component.TelemetrySettings) metric.Meter {
	return settings.MeterProvider.Meter(ScopeName)
}

// TelemetryBuilder provides the instruments of the component.
type TelemetryBuilder struct {
	meter         metric.Meter
	mu            sync.Mutex
	registrations []metric.Registration

	ExtensionKeyringReloads   metric.Int64Counter
	ExtensionKeyringKeys      metric.Int64ObservableGauge
	ExtensionKeyringActiveKey metric.Int64ObservableGauge
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

// RegisterCallback registers cb for the asynchronous instruments.
func (builder *TelemetryBuilder) RegisterCallback(cb metric.Callback) error {
	reg, err := builder.meter.RegisterCallback(cb, builder.ExtensionKeyringKeys, builder.ExtensionKeyringActiveKey)
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
	builder.ExtensionKeyringReloads, err = builder.meter.Int64Counter(
		"otelcol_extension_keyring_reloads",
		metric.WithDescription("Key file reloads after a change, by outcome (success, failure). A failed reload keeps the previous key ring. [Alpha]"),
		metric.WithUnit("{reload}"),
	)
	errs = errors.Join(errs, err)
	builder.ExtensionKeyringKeys, err = builder.meter.Int64ObservableGauge(
		"otelcol_extension_keyring_keys",
		metric.WithDescription("Keys in the current key ring. [Alpha]"),
		metric.WithUnit("{key}"),
	)
	errs = errors.Join(errs, err)
	builder.ExtensionKeyringActiveKey, err = builder.meter.Int64ObservableGauge(
		"otelcol_extension_keyring_active_key",
		metric.WithDescription("1 for the active key, identified by its key_id attribute (the ID only, never the key). [Alpha]"),
		metric.WithUnit("1"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
