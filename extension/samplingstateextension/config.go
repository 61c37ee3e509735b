package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
)

// BackendMemory keeps counts in the process: replicas sharing it must run in
// the same process (tests, several pipelines of one gateway).
const BackendMemory = "memory"

// Config is the configuration of the sampling_state extension.
type Config struct {
	// Backend selects the store. Only "memory" exists today.
	Backend string `mapstructure:"backend"`
	// RetainedIntervals is how many of the newest intervals are kept.
	RetainedIntervals int `mapstructure:"retained_intervals"`
	// MaxKeys bounds the keys recorded per interval.
	MaxKeys int `mapstructure:"max_keys"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration; errors name the field and the bad value.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Backend != BackendMemory {
		errs = append(errs, fmt.Errorf("backend: must be %q, got %q", BackendMemory, cfg.Backend))
	}
	if cfg.RetainedIntervals < 1 {
		errs = append(errs, fmt.Errorf("retained_intervals: must be at least 1, got %d", cfg.RetainedIntervals))
	}
	if cfg.MaxKeys < 1 {
		errs = append(errs, fmt.Errorf("max_keys: must be at least 1, got %d", cfg.MaxKeys))
	}
	return errors.Join(errs...)
}
