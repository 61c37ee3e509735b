package keyringextension // import "github.com/otelgate/otelgate/extension/keyringextension"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/otelgate/otelgate/extension/keyringextension/internal/metadata"
)

// NewFactory returns the factory of the keyring extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{PollInterval: 10 * time.Second}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newKeyringExtension(cfg.(*Config), set.TelemetrySettings)
}
