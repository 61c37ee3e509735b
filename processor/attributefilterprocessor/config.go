package attributefilterprocessor // import "github.com/otelgate/otelgate/processor/attributefilterprocessor"

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
)

// Config is the configuration of the attribute_filter processor.
type Config struct {
	// Drop holds the record drop rules.
	Drop DropConfig `mapstructure:"drop"`
	// Keys holds the per-level attribute key allow or deny lists.
	Keys KeysConfig `mapstructure:"keys"`
	// Limits caps value sizes and attribute counts.
	Limits LimitsConfig `mapstructure:"limits"`
	// Cardinality guards metric series counts.
	Cardinality CardinalityConfig `mapstructure:"cardinality"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// DropConfig holds the two forms of record drop rules.
type DropConfig struct {
	// DropIfAny drops a record when any of these rules matches it.
	DropIfAny []RuleConfig `mapstructure:"drop_if_any"`
	// KeepOnly keeps, among the record kinds these rules apply to, only the
	// records that match at least one of them.
	KeepOnly []RuleConfig `mapstructure:"keep_only"`
}

// RuleConfig is one rule: every matcher must hold for the rule to match.
type RuleConfig struct {
	// Name labels the rule in the processor's own metrics; defaults to its position.
	Name string `mapstructure:"name"`
	// AppliesTo lists the record kinds the rule is tested on: spans,
	// span_events, span_links, datapoints, logs. Default: the kind whose own
	// fields the matchers name, else spans, datapoints and logs.
	AppliesTo []string `mapstructure:"applies_to"`
	// Matchers must all hold.
	Matchers []MatcherConfig `mapstructure:"matchers"`
}

// MatcherConfig tests one field. Set exactly one of exact, in, glob, regex,
// exists, or the numeric bounds (gt, gte, lt, lte may be combined).
type MatcherConfig struct {
	Field  string   `mapstructure:"field"`
	Exact  any      `mapstructure:"exact"` // a string, number or boolean
	In     []any    `mapstructure:"in"`    // strings, numbers or booleans
	Glob   *string  `mapstructure:"glob"`
	Regex  *string  `mapstructure:"regex"`
	Exists *bool    `mapstructure:"exists"`
	GT     *float64 `mapstructure:"gt"`
	GTE    *float64 `mapstructure:"gte"`
	LT     *float64 `mapstructure:"lt"`
	LTE    *float64 `mapstructure:"lte"`
}

// KeysConfig holds the key lists of each attribute level.
type KeysConfig struct {
	Resource KeyListConfig `mapstructure:"resource"`
	Scope    KeyListConfig `mapstructure:"scope"`
	// Record applies to spans, span events, span links, data points and log records.
	Record KeyListConfig `mapstructure:"record"`
	// AuditAttribute, when set, receives (as an integer) the number of keys
	// removed from the same attribute map. Unset: no audit attribute.
	AuditAttribute string `mapstructure:"audit_attribute"`
}

// KeyListConfig is an allow list or a deny list, never both. Entries of
// allow/deny are exact keys or globs ('*', '?'); the _regex forms take RE2
// regular expressions (unanchored).
type KeyListConfig struct {
	Allow      []string `mapstructure:"allow"`
	AllowRegex []string `mapstructure:"allow_regex"`
	Deny       []string `mapstructure:"deny"`
	DenyRegex  []string `mapstructure:"deny_regex"`
}

// LimitsConfig caps sizes; zero disables a limit.
type LimitsConfig struct {
	// MaxStringLength caps string attribute values (top level and inside
	// arrays) in bytes, the marker included, cut at a UTF-8 boundary.
	MaxStringLength int `mapstructure:"max_string_length"`
	// TruncationMarker is appended to a cut string.
	TruncationMarker string `mapstructure:"truncation_marker"`
	// MaxAttributes caps the number of attributes in each attribute map; the
	// attributes after the first MaxAttributes are removed.
	MaxAttributes int `mapstructure:"max_attributes"`
	// MaxArrayLength caps array attribute values; later elements are removed.
	MaxArrayLength int `mapstructure:"max_array_length"`
}

// CardinalityConfig bounds the distinct values of metric data point attributes.
type CardinalityConfig struct {
	// Window is how long a budget lasts before every count restarts.
	Window time.Duration `mapstructure:"window"`
	// OverflowValue replaces a value beyond the budget.
	OverflowValue string `mapstructure:"overflow_value"`
	// MaxTrackedMetrics bounds how many metric names are tracked per window;
	// limited attributes of metrics beyond it are all replaced by the overflow value.
	MaxTrackedMetrics int `mapstructure:"max_tracked_metrics"`
	// Limits are tried in order; the first whose metrics glob matches a metric
	// name and lists a key sets that key's budget.
	Limits []CardinalityLimitConfig `mapstructure:"limits"`
}

// CardinalityLimitConfig is a budget of distinct values per key for matching metrics.
type CardinalityLimitConfig struct {
	// Metrics is a glob on the metric name.
	Metrics string `mapstructure:"metrics"`
	// Keys are data point attribute keys, each with its own budget.
	Keys []string `mapstructure:"keys"`
	// MaxValues is the number of distinct values allowed per key per window.
	MaxValues int `mapstructure:"max_values"`
}

// Validate checks the configuration by compiling it.
func (cfg *Config) Validate() error {
	_, err := compile(cfg)
	return err
}

func validateLimits(l LimitsConfig) error {
	var errs []error
	if l.MaxStringLength < 0 {
		errs = append(errs, fmt.Errorf("limits.max_string_length: must be >= 0, got %d", l.MaxStringLength))
	}
	if l.MaxStringLength > 0 && len(l.TruncationMarker) >= l.MaxStringLength {
		errs = append(errs, fmt.Errorf("limits.truncation_marker: must be shorter than max_string_length (%d bytes), got %q", l.MaxStringLength, l.TruncationMarker))
	}
	if l.MaxAttributes < 0 {
		errs = append(errs, fmt.Errorf("limits.max_attributes: must be >= 0, got %d", l.MaxAttributes))
	}
	if l.MaxArrayLength < 0 {
		errs = append(errs, fmt.Errorf("limits.max_array_length: must be >= 0, got %d", l.MaxArrayLength))
	}
	return errors.Join(errs...)
}

func validateCardinality(c CardinalityConfig, l LimitsConfig) error {
	if len(c.Limits) == 0 {
		return nil
	}
	var errs []error
	if l.MaxStringLength > 0 && len(c.OverflowValue) > l.MaxStringLength {
		errs = append(errs, fmt.Errorf("cardinality.overflow_value: must fit limits.max_string_length (%d bytes), got %q", l.MaxStringLength, c.OverflowValue))
	}
	if c.Window <= 0 {
		errs = append(errs, fmt.Errorf("cardinality.window: must be > 0, got %s", c.Window))
	}
	if c.OverflowValue == "" {
		errs = append(errs, errors.New("cardinality.overflow_value: must not be empty"))
	}
	if c.MaxTrackedMetrics <= 0 {
		errs = append(errs, fmt.Errorf("cardinality.max_tracked_metrics: must be > 0, got %d", c.MaxTrackedMetrics))
	}
	for i, l := range c.Limits {
		if l.Metrics == "" {
			errs = append(errs, fmt.Errorf("cardinality.limits[%d].metrics: must not be empty", i))
		}
		if len(l.Keys) == 0 {
			errs = append(errs, fmt.Errorf("cardinality.limits[%d].keys: must list at least one key", i))
		}
		for j, k := range l.Keys {
			if k == "" {
				errs = append(errs, fmt.Errorf("cardinality.limits[%d].keys[%d]: must not be empty", i, j))
			}
		}
		if l.MaxValues <= 0 {
			errs = append(errs, fmt.Errorf("cardinality.limits[%d].max_values: must be > 0, got %d", i, l.MaxValues))
		}
	}
	return errors.Join(errs...)
}

// compileMatcher turns one matcher config into a field and a Matcher.
func compileMatcher(path string, mc MatcherConfig) (match.Field, match.Matcher, error) {
	f, err := match.ParseField(mc.Field)
	if err != nil {
		return f, nil, fmt.Errorf("%s.field: %w", path, err)
	}
	numeric := mc.GT != nil || mc.GTE != nil || mc.LT != nil || mc.LTE != nil
	set := 0
	for _, b := range []bool{mc.Exact != nil, mc.In != nil, mc.Glob != nil, mc.Regex != nil, mc.Exists != nil, numeric} {
		if b {
			set++
		}
	}
	if set != 1 {
		return f, nil, fmt.Errorf("%s: set exactly one of exact, in, glob, regex, exists or gt/gte/lt/lte, got %d", path, set)
	}
	switch {
	case mc.Exact != nil:
		s, err := scalarText(mc.Exact)
		if err != nil {
			return f, nil, fmt.Errorf("%s.exact: %w", path, err)
		}
		return f, match.Exact(s), nil
	case mc.In != nil:
		if len(mc.In) == 0 {
			return f, nil, fmt.Errorf("%s.in: must list at least one value", path)
		}
		texts := make([]string, len(mc.In))
		for i, v := range mc.In {
			s, err := scalarText(v)
			if err != nil {
				return f, nil, fmt.Errorf("%s.in[%d]: %w", path, i, err)
			}
			texts[i] = s
		}
		return f, match.Set(texts), nil
	case mc.Glob != nil:
		return f, match.Glob(*mc.Glob), nil
	case mc.Regex != nil:
		m, err := match.Regex(*mc.Regex)
		if err != nil {
			return f, nil, fmt.Errorf("%s.regex: %w", path, err)
		}
		return f, m, nil
	case mc.Exists != nil:
		if *mc.Exists {
			return f, match.Exists(), nil
		}
		return f, match.NotExists(), nil
	}
	return f, match.Numeric(match.Bounds{GT: mc.GT, GE: mc.GTE, LT: mc.LT, LE: mc.LTE}), nil
}

// scalarText returns the text of a YAML scalar.
func scalarText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	}
	return "", fmt.Errorf("must be a string, number or boolean, got %T", v)
}
