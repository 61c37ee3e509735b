package tenantauthextension // import "github.com/otelgate/otelgate/extension/tenantauthextension"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config is the configuration of the tenant_auth extension.
type Config struct {
	// File is the tokens file (YAML: tokens[].tenant, tokens[].token). It must
	// not be readable by others nor writable by group or others. Reloaded on change.
	File string `mapstructure:"file"`
	// Header carries the credential; default "authorization".
	Header string `mapstructure:"header"`
	// Scheme is the prefix before the token (compared case-insensitively);
	// default "Bearer". Empty string: the header value is the token itself.
	Scheme *string `mapstructure:"scheme"`
	// PollInterval is how often the file is checked for changes; 0 disables reloading.
	PollInterval time.Duration `mapstructure:"poll_interval"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.File == "" {
		errs = append(errs, errors.New("file: must name the tokens file"))
	}
	if strings.TrimSpace(c.Header) == "" {
		errs = append(errs, fmt.Errorf("header: must not be empty, got %q", c.Header))
	}
	if c.Scheme != nil && strings.ContainsAny(*c.Scheme, " \t") {
		errs = append(errs, fmt.Errorf("scheme: must be one word, got %q", *c.Scheme))
	}
	if c.PollInterval < 0 {
		errs = append(errs, fmt.Errorf("poll_interval: must not be negative, got %s", c.PollInterval))
	}
	return errors.Join(errs...)
}

func (c *Config) scheme() string {
	if c.Scheme == nil {
		return "Bearer"
	}
	return *c.Scheme
}
