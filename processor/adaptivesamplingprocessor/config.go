package adaptivesamplingprocessor // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
)

// Modes.
const (
	ModeConsistent = "consistent"
	ModeTail       = "tail"
)

// Sampler types.
const (
	SamplerAlwaysSample       = "always_sample"
	SamplerProbabilistic      = "probabilistic"
	SamplerAdaptivePercentage = "adaptive_percentage"
	SamplerAdaptiveThroughput = "adaptive_throughput"
)

// Config is the configuration of the adaptive_sampling processor.
type Config struct {
	// Mode is "consistent" (stateless, per span) or "tail" (buffered, per trace).
	Mode string `mapstructure:"mode"`
	// Rules are evaluated in order; the first whose conditions match decides.
	Rules []RuleConfig `mapstructure:"rules"`

	// AdjustmentInterval is how often adaptive rates are recomputed.
	AdjustmentInterval time.Duration `mapstructure:"adjustment_interval"`
	// EMAWeight is the weight of the newest interval in the moving average of
	// per-key counts, in (0, 1].
	EMAWeight float64 `mapstructure:"ema_weight"`
	// MaxKeys bounds the keys of each adaptive rule; further keys share one
	// overflow class.
	MaxKeys int `mapstructure:"max_keys"`
	// SamplingPrecision is the number of significant hex digits of written th values.
	SamplingPrecision int `mapstructure:"sampling_precision"`
	// RuleAttribute is the span (or log record) attribute that receives the name
	// of the deciding rule on kept items; empty disables it.
	RuleAttribute string `mapstructure:"rule_attribute"`
	// LogsRule names the rule whose sampler decides log records; default: the
	// catch-all rule.
	LogsRule string `mapstructure:"logs_rule"`

	// SharedState is the id of a sampling_state extension through which
	// replicas share per-key counts for adaptive_throughput rules.
	SharedState *component.ID `mapstructure:"shared_state"`
	// SharedStateTimeout bounds each call to the shared state.
	SharedStateTimeout time.Duration `mapstructure:"shared_state_timeout"`

	// LoadShedding lowers every rate while the backend struggles (see loadshed.go).
	LoadShedding configoptional.Optional[LoadSheddingConfig] `mapstructure:"load_shedding"`

	// Tail mode settings.
	NumTraces     int                 `mapstructure:"num_traces"`
	SpanLimit     int                 `mapstructure:"span_limit"`
	TraceTimeout  time.Duration       `mapstructure:"trace_timeout"`
	DecisionDelay time.Duration       `mapstructure:"decision_delay"`
	DecisionCache DecisionCacheConfig `mapstructure:"decision_cache"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// DecisionCacheConfig sizes the caches of tail-mode decisions.
type DecisionCacheConfig struct {
	SampledCacheSize    int `mapstructure:"sampled_cache_size"`
	NonSampledCacheSize int `mapstructure:"non_sampled_cache_size"`
}

// RuleConfig is one sampling rule.
type RuleConfig struct {
	Name string `mapstructure:"name"`
	// Conditions are OTTL boolean expressions in the span context, ORed. None: catch-all.
	Conditions []string `mapstructure:"conditions"`
	// Type is the sampler: always_sample, probabilistic, adaptive_percentage, adaptive_throughput.
	Type               string  `mapstructure:"type"`
	SamplingPercentage float64 `mapstructure:"sampling_percentage"`
	GoalPercentage     float64 `mapstructure:"goal_percentage"`
	GoalSpansPerSecond float64 `mapstructure:"goal_spans_per_second"`
	// FingerprintAttributes are the span (then resource) attributes whose values
	// form the key of adaptive samplers.
	FingerprintAttributes []string `mapstructure:"fingerprint_attributes"`
}

func (r RuleConfig) adaptive() bool {
	return r.Type == SamplerAdaptivePercentage || r.Type == SamplerAdaptiveThroughput
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration; errors name the field and the bad value.
func (cfg *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch cfg.Mode {
	case ModeConsistent, ModeTail:
	default:
		add("mode: must be %q or %q, got %q", ModeConsistent, ModeTail, cfg.Mode)
	}
	if len(cfg.Rules) == 0 {
		add("rules: at least one rule is required")
	}
	names := map[string]int{}
	for i, r := range cfg.Rules {
		f := fmt.Sprintf("rules[%d]", i)
		if r.Name == "" {
			add("%s.name: must not be empty", f)
		} else if j, dup := names[r.Name]; dup {
			add("%s.name: %q already names rules[%d]", f, r.Name, j)
		} else {
			names[r.Name] = i
		}
		if len(r.Conditions) == 0 && i != len(cfg.Rules)-1 {
			add("%s: rule %q has no conditions and shadows the %d rule(s) after it; a catch-all must be last", f, r.Name, len(cfg.Rules)-1-i)
		}
		for j, c := range r.Conditions {
			if c == "" {
				add("%s.conditions[%d]: must not be empty", f, j)
			}
		}
		errs = append(errs, r.validateSampler(f)...)
	}
	if cfg.LogsRule != "" {
		if _, ok := names[cfg.LogsRule]; !ok {
			add("logs_rule: no rule is named %q", cfg.LogsRule)
		}
	}
	if cfg.AdjustmentInterval <= 0 {
		add("adjustment_interval: must be positive, got %s", cfg.AdjustmentInterval)
	}
	if !(cfg.EMAWeight > 0 && cfg.EMAWeight <= 1) {
		add("ema_weight: must be in (0, 1], got %v", cfg.EMAWeight)
	}
	if cfg.MaxKeys < 1 {
		add("max_keys: must be at least 1, got %d", cfg.MaxKeys)
	}
	if cfg.SamplingPrecision < 1 || cfg.SamplingPrecision > 14 {
		add("sampling_precision: must be in [1, 14], got %d", cfg.SamplingPrecision)
	}
	if cfg.SharedState != nil && cfg.SharedStateTimeout <= 0 {
		add("shared_state_timeout: must be positive, got %s", cfg.SharedStateTimeout)
	}
	if cfg.LoadShedding.HasValue() {
		errs = append(errs, cfg.LoadShedding.Get().validate()...)
	}
	if cfg.Mode == ModeTail {
		if cfg.NumTraces < 1 {
			add("num_traces: must be at least 1, got %d", cfg.NumTraces)
		}
		if cfg.SpanLimit < 1 {
			add("span_limit: must be at least 1, got %d", cfg.SpanLimit)
		}
		if cfg.TraceTimeout <= 0 {
			add("trace_timeout: must be positive, got %s", cfg.TraceTimeout)
		}
		if cfg.DecisionDelay < 0 {
			add("decision_delay: must not be negative, got %s", cfg.DecisionDelay)
		}
		if cfg.DecisionCache.SampledCacheSize < 1 {
			add("decision_cache.sampled_cache_size: must be at least 1, got %d", cfg.DecisionCache.SampledCacheSize)
		}
		if cfg.DecisionCache.NonSampledCacheSize < 1 {
			add("decision_cache.non_sampled_cache_size: must be at least 1, got %d", cfg.DecisionCache.NonSampledCacheSize)
		}
	}
	return errors.Join(errs...)
}

func (r RuleConfig) validateSampler(f string) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	unused := func(field string, v float64) {
		if v != 0 {
			add("%s.%s: not used by type %q, got %v", f, field, r.Type, v)
		}
	}
	switch r.Type {
	case SamplerAlwaysSample:
		unused("sampling_percentage", r.SamplingPercentage)
		unused("goal_percentage", r.GoalPercentage)
		unused("goal_spans_per_second", r.GoalSpansPerSecond)
	case SamplerProbabilistic:
		if !(r.SamplingPercentage >= 0 && r.SamplingPercentage <= 100) {
			add("%s.sampling_percentage: must be in [0, 100], got %v", f, r.SamplingPercentage)
		}
		unused("goal_percentage", r.GoalPercentage)
		unused("goal_spans_per_second", r.GoalSpansPerSecond)
	case SamplerAdaptivePercentage:
		if !(r.GoalPercentage > 0 && r.GoalPercentage <= 100) {
			add("%s.goal_percentage: must be in (0, 100], got %v", f, r.GoalPercentage)
		}
		unused("sampling_percentage", r.SamplingPercentage)
		unused("goal_spans_per_second", r.GoalSpansPerSecond)
	case SamplerAdaptiveThroughput:
		if !(r.GoalSpansPerSecond > 0) || r.GoalSpansPerSecond > 1e12 {
			add("%s.goal_spans_per_second: must be positive, got %v", f, r.GoalSpansPerSecond)
		}
		unused("sampling_percentage", r.SamplingPercentage)
		unused("goal_percentage", r.GoalPercentage)
	default:
		add("%s.type: must be one of %s, %s, %s, %s, got %q", f,
			SamplerAlwaysSample, SamplerProbabilistic, SamplerAdaptivePercentage, SamplerAdaptiveThroughput, r.Type)
	}
	if !r.adaptive() && len(r.FingerprintAttributes) > 0 {
		add("%s.fingerprint_attributes: only adaptive samplers use keys, type is %q", f, r.Type)
	}
	return errs
}
