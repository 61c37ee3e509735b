// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata // import "github.com/otelgate/otelgate/extension/tenantauthextension/internal/metadata"

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

	ExtensionTenantAuthAuthenticated metric.Int64Counter
	ExtensionTenantAuthRejected      metric.Int64Counter
	ExtensionTenantAuthReloads       metric.Int64Counter
	ExtensionTenantAuthTokens        metric.Int64ObservableGauge
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
	reg, err := builder.meter.RegisterCallback(cb, builder.ExtensionTenantAuthTokens)
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
	builder.ExtensionTenantAuthAuthenticated, err = builder.meter.Int64Counter(
		"otelcol_extension_tenant_auth_authenticated",
		metric.WithDescription("Requests authenticated, by tenant. [Alpha]"),
		metric.WithUnit("{request}"),
	)
	errs = errors.Join(errs, err)
	builder.ExtensionTenantAuthRejected, err = builder.meter.Int64Counter(
		"otelcol_extension_tenant_auth_rejected",
		metric.WithDescription("Requests refused (HTTP 401, gRPC Unauthenticated), by reason (missing, malformed, unknown_token, no_tokens). [Alpha]"),
		metric.WithUnit("{request}"),
	)
	errs = errors.Join(errs, err)
	builder.ExtensionTenantAuthReloads, err = builder.meter.Int64Counter(
		"otelcol_extension_tenant_auth_reloads",
		metric.WithDescription("Tokens file reloads after a change, by outcome (success, failure). A failed reload keeps the previous tokens. [Alpha]"),
		metric.WithUnit("{reload}"),
	)
	errs = errors.Join(errs, err)
	builder.ExtensionTenantAuthTokens, err = builder.meter.Int64ObservableGauge(
		"otelcol_extension_tenant_auth_tokens",
		metric.WithDescription("Tokens currently accepted. [Alpha]"),
		metric.WithUnit("{token}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
