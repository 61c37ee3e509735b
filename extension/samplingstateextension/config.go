package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
)

// Backends.
const (
	// BackendMemory keeps counts in the process: replicas sharing it must run
	// in the same process (tests, several pipelines of one gateway).
	BackendMemory = "memory"
	// BackendRedis keeps counts in a Redis server shared by every replica.
	BackendRedis = "redis"
)

// Config is the configuration of the sampling_state extension.
type Config struct {
	// Backend selects the store: "memory" or "redis".
	Backend string `mapstructure:"backend"`
	// RetainedIntervals is how many of the newest intervals are kept.
	RetainedIntervals int `mapstructure:"retained_intervals"`
	// MaxKeys bounds the keys recorded per interval.
	MaxKeys int `mapstructure:"max_keys"`
	// Redis configures the redis backend.
	Redis RedisConfig `mapstructure:"redis"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// RedisConfig is the connection to the Redis server of the redis backend.
type RedisConfig struct {
	// Endpoint is host:port of the server.
	Endpoint string `mapstructure:"endpoint"`
	// Username is the ACL user (empty: the default user).
	Username string `mapstructure:"username"`
	// Password authenticates the user; use ${env:VAR} rather than a literal.
	Password configopaque.String `mapstructure:"password"`
	// PasswordFile is a file whose content (without a trailing newline) is the
	// password; exclusive with password.
	PasswordFile string `mapstructure:"password_file"`
	// DB is the database number.
	DB int `mapstructure:"db"`
	// TLS, when set, connects with TLS (its own Validate runs as redis::tls).
	TLS *configtls.ClientConfig `mapstructure:"tls"`
	// KeyPrefix starts every key the backend writes.
	KeyPrefix string `mapstructure:"key_prefix"`
	// Timeout bounds dialing and each command round trip.
	Timeout time.Duration `mapstructure:"timeout"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration; errors name the field and the bad value.
func (cfg *Config) Validate() error {
	var errs []error
	switch cfg.Backend {
	case BackendMemory:
	case BackendRedis:
		errs = append(errs, cfg.Redis.validate()...)
	default:
		errs = append(errs, fmt.Errorf("backend: must be %q or %q, got %q", BackendMemory, BackendRedis, cfg.Backend))
	}
	if cfg.RetainedIntervals < 1 {
		errs = append(errs, fmt.Errorf("retained_intervals: must be at least 1, got %d", cfg.RetainedIntervals))
	}
	if cfg.MaxKeys < 1 {
		errs = append(errs, fmt.Errorf("max_keys: must be at least 1, got %d", cfg.MaxKeys))
	}
	return errors.Join(errs...)
}

func (r *RedisConfig) validate() []error {
	var errs []error
	if r.Endpoint == "" {
		errs = append(errs, errors.New("redis.endpoint: must not be empty with backend \"redis\""))
	}
	if r.Password != "" && r.PasswordFile != "" {
		errs = append(errs, errors.New("redis.password_file: must not be set together with redis.password"))
	}
	if r.DB < 0 {
		errs = append(errs, fmt.Errorf("redis.db: must not be negative, got %d", r.DB))
	}
	if r.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("redis.timeout: must be > 0, got %s", r.Timeout))
	}
	return errs
}
