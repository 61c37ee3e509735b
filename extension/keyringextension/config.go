package keyringextension // import "github.com/otelgate/otelgate/extension/keyringextension"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
)

// Config is the configuration of the keyring extension.
type Config struct {
	// File is a key file (YAML or JSON: active, keys[].id, keys[].key). It
	// must not be accessible by others nor writable by group (group read is
	// accepted: Kubernetes Secret volumes with fsGroup). Reloaded on change.
	File string `mapstructure:"file"`
	// Keys are keys given in the configuration, typically from environment
	// variables: key: ${env:OTELGATE_KEY_2026}.
	Keys []KeyConfig `mapstructure:"keys"`
	// Active is the ID of the key that encrypts. It overrides the file's
	// active key; required without a file unless there is a single key.
	Active string `mapstructure:"active"`
	// PollInterval is how often the file is checked for changes on top of
	// file system notifications; 0 disables reloading.
	PollInterval time.Duration `mapstructure:"poll_interval"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// KeyConfig is one key given in the configuration.
type KeyConfig struct {
	// ID names the key in every value it encrypts.
	ID string `mapstructure:"id"`
	// Key is the 32-byte key in base64 (standard or URL alphabet).
	Key configopaque.String `mapstructure:"key"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration. Its errors never include key material.
func (c *Config) Validate() error {
	var errs []error
	if c.File == "" && len(c.Keys) == 0 {
		errs = append(errs, errors.New("file, keys: at least one key source is required"))
	}
	ids := map[string]bool{}
	for i, k := range c.Keys {
		if err := keyring.ValidateID(k.ID); err != nil {
			errs = append(errs, fmt.Errorf("keys[%d].id: %w", i, err))
		}
		if ids[k.ID] {
			errs = append(errs, fmt.Errorf("keys[%d].id: %q appears twice", i, k.ID))
		}
		ids[k.ID] = true
		if _, err := keyring.DecodeMaterial(string(k.Key)); err != nil {
			errs = append(errs, fmt.Errorf("keys[%d].%w", i, err))
		}
	}
	if c.File == "" && c.Active == "" && len(c.Keys) > 1 {
		errs = append(errs, errors.New("active: required when several keys are given without a file"))
	}
	if c.File == "" && c.Active != "" && !ids[c.Active] {
		errs = append(errs, fmt.Errorf("active: key id %q is not among keys", c.Active))
	}
	if c.PollInterval < 0 {
		errs = append(errs, fmt.Errorf("poll_interval: must not be negative, got %s", c.PollInterval))
	}
	return errors.Join(errs...)
}
