package tenantauthextension // import "github.com/otelgate/otelgate/extension/tenantauthextension"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/otelgate/otelgate/extension/tenantauthextension/internal/metadata"
)

// NewFactory returns the factory of the tenant_auth extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{Header: "authorization", PollInterval: 10 * time.Second}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newTenantAuth(cfg.(*Config), set.TelemetrySettings)
}
