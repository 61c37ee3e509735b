package encryptionprocessor // import "github.com/otelgate/otelgate/processor/encryptionprocessor"

import (
	"errors"
	"fmt"
	"regexp"

	"go.opentelemetry.io/collector/component"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

// Actions.
const (
	ActionEncrypt = "encrypt"
	ActionDecrypt = "decrypt"
)

// on_error values.
const (
	OnErrorKeep          = "keep"
	OnErrorDropAttribute = "drop_attribute"
	OnErrorDropRecord    = "drop_record"
)

// Match types.
const (
	MatchExact = "exact"
	MatchGlob  = "glob"
	MatchRegex = "regex"
)

// Config is the configuration of the encryption processor.
type Config struct {
	// Keyring is the ID of the keyring extension holding the keys.
	Keyring component.ID `mapstructure:"keyring"`
	// Action is encrypt or decrypt.
	Action string `mapstructure:"action"`
	// Algorithm is the default encryption algorithm: aes256gcm,
	// chacha20poly1305 or aes256siv (deterministic). Decryption reads the
	// algorithm from each value.
	Algorithm string `mapstructure:"algorithm"`
	// OnError says what decrypt does with a selected value that fails:
	// keep, drop_attribute or drop_record.
	OnError string `mapstructure:"on_error"`
	// Attributes selects attributes by key.
	Attributes []AttributeConfig `mapstructure:"attributes"`
	// LogBody also encrypts (decrypts) the body of every log record.
	LogBody bool `mapstructure:"log_body"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// AttributeConfig selects attributes by key at some levels.
type AttributeConfig struct {
	// Key is the attribute key, a glob or a regular expression per MatchType.
	Key string `mapstructure:"key"`
	// MatchType is exact (default), glob (* any run, ? one character) or
	// regex (RE2, matched against the whole key).
	MatchType string `mapstructure:"match_type"`
	// Levels restricts the rule to resource, scope, record, event and link
	// attributes; all five when empty.
	Levels []string `mapstructure:"levels"`
	// Algorithm overrides the processor's algorithm for these attributes.
	Algorithm string `mapstructure:"algorithm"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration; errors name the field and the value.
func (c *Config) Validate() error {
	var errs []error
	if c.Keyring.Type().String() == "" {
		errs = append(errs, errors.New("keyring: must name a keyring extension, e.g. keyring"))
	}
	switch c.Action {
	case ActionEncrypt, ActionDecrypt:
	default:
		errs = append(errs, fmt.Errorf("action: must be encrypt or decrypt, got %q", c.Action))
	}
	if _, err := keyring.ParseAlgorithm(c.Algorithm); err != nil {
		errs = append(errs, fmt.Errorf("algorithm: %w", err))
	}
	switch c.OnError {
	case OnErrorKeep, OnErrorDropAttribute, OnErrorDropRecord:
	default:
		errs = append(errs, fmt.Errorf("on_error: must be keep, drop_attribute or drop_record, got %q", c.OnError))
	}
	if len(c.Attributes) == 0 && !c.LogBody {
		errs = append(errs, errors.New("attributes: at least one attribute rule (or log_body: true) is required"))
	}
	for i, a := range c.Attributes {
		if err := a.validate(); err != nil {
			errs = append(errs, fmt.Errorf("attributes[%d].%w", i, err))
		}
	}
	return errors.Join(errs...)
}

func (a AttributeConfig) validate() error {
	if a.Key == "" {
		return errors.New("key: must not be empty")
	}
	switch a.MatchType {
	case "", MatchExact:
	case MatchGlob:
		if _, err := regexp.Compile(globRegexp(a.Key)); err != nil {
			return fmt.Errorf("key: invalid glob %q: %w", a.Key, err)
		}
	case MatchRegex:
		if _, err := regexp.Compile(a.Key); err != nil {
			return fmt.Errorf("key: invalid regex %q: %w", a.Key, err)
		}
	default:
		return fmt.Errorf("match_type: must be exact, glob or regex, got %q", a.MatchType)
	}
	for j, l := range a.Levels {
		lv, err := codec.ParseLevel(l)
		if err != nil || lv == codec.LevelBody {
			return fmt.Errorf("levels[%d]: must be resource, scope, record, event or link, got %q", j, l)
		}
	}
	if a.Algorithm != "" {
		if _, err := keyring.ParseAlgorithm(a.Algorithm); err != nil {
			return fmt.Errorf("algorithm: %w", err)
		}
	}
	return nil
}
