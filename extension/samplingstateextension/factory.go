package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/otelgate/otelgate/extension/samplingstateextension/internal/metadata"
)

// NewFactory returns the factory of the sampling_state extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{Backend: BackendMemory, RetainedIntervals: 4, MaxKeys: 100000,
		Redis: RedisConfig{KeyPrefix: "otelgate:sampling:", Timeout: 500 * time.Millisecond}}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	c := cfg.(*Config)
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	switch c.Backend {
	case BackendMemory:
		return &samplingState{backend: newMemoryStore(c.RetainedIntervals, c.MaxKeys), telemetry: tb}, nil
	case BackendRedis:
		return &samplingState{backend: newRedisStore(c.Redis, c.RetainedIntervals, c.MaxKeys), telemetry: tb}, nil
	default:
		return nil, fmt.Errorf("backend: unknown backend %q", c.Backend)
	}
}
