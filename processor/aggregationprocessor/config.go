package aggregationprocessor

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"

	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/window"
)

// Late point policies.
const (
	LateCurrentWindow = "current_window"
	LateDrop          = "drop"
)

// Output temporalities.
const (
	TemporalityDelta      = "delta"
	TemporalityCumulative = "cumulative"
)

// Config is the configuration of the aggregation processor.
type Config struct {
	// Rules select metrics and say how to aggregate them. A metric goes to
	// the first rule that matches it; unmatched metrics pass through.
	Rules []RuleConfig `mapstructure:"rules"`
	// LatePoints is what happens to a point stamped in a window that was
	// already flushed: current_window (counted in the open window) or drop.
	LatePoints string `mapstructure:"late_points"`
	// MaxInputSeries bounds, per rule, the cumulative input series whose
	// last value is remembered to compute increases.
	MaxInputSeries int `mapstructure:"max_input_series"`
	// Storage is the ID of a storage extension (file_storage) holding a
	// checkpoint of the open windows. Empty: no checkpoint.
	Storage *component.ID `mapstructure:"storage"`
	// CheckpointInterval is how often the checkpoint is written (also
	// after every flush and at shutdown).
	CheckpointInterval time.Duration `mapstructure:"checkpoint_interval"`
	// FlushOnShutdown flushes open windows at shutdown even when a storage
	// is configured (without one they are always flushed).
	FlushOnShutdown bool `mapstructure:"flush_on_shutdown"`
	// FlushDelay keeps a window open this long after it ended, so points
	// that arrive a little late still go to their own window.
	FlushDelay time.Duration `mapstructure:"flush_delay"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// RuleConfig is one aggregation rule.
type RuleConfig struct {
	// Name labels the rule in the processor's own metrics (default rule_<index>).
	Name string `mapstructure:"name"`
	// Metrics are metric name globs (* any run of characters, ? one).
	Metrics []string `mapstructure:"metrics"`
	// Attributes, when set, require each key to be present with this exact
	// string value on the data point or its resource.
	Attributes map[string]string `mapstructure:"attributes"`
	// Interval is the window length; windows start at multiples of it.
	Interval time.Duration `mapstructure:"interval"`
	// GroupBy keeps only these attribute keys (data point and resource).
	GroupBy []string `mapstructure:"group_by"`
	// Without drops these attribute keys (data point and resource).
	Without []string `mapstructure:"without"`
	// Outputs to compute: sum, increase, count, min, max, avg, last, rate, histogram.
	Outputs []string `mapstructure:"outputs"`
	// KeepInput also passes the matched input on unchanged.
	KeepInput bool `mapstructure:"keep_input"`
	// MaxSeries bounds the output series of the rule's open windows.
	MaxSeries int `mapstructure:"max_series"`
	// Temporality of sum, increase, count and histogram outputs: delta or cumulative.
	Temporality string `mapstructure:"temporality"`
	// NameTemplate names output metrics: {name} is the input metric name,
	// {output} the output. Default: "{name}" for a rule with one output,
	// "{name}.{output}" otherwise.
	NameTemplate string `mapstructure:"name_template"`
}

var _ component.Config = (*Config)(nil)

// Rule defaults.
const (
	DefaultInterval  = 60 * time.Second
	DefaultMaxSeries = 10_000
)

// Unmarshal fills the rule's defaults before reading it.
func (r *RuleConfig) Unmarshal(conf *confmap.Conf) error {
	if r.Interval == 0 {
		r.Interval = DefaultInterval
	}
	if r.MaxSeries == 0 {
		r.MaxSeries = DefaultMaxSeries
	}
	if r.Temporality == "" {
		r.Temporality = TemporalityDelta
	}
	return conf.Unmarshal(r)
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Rules) == 0 {
		errs = append(errs, errors.New("rules: at least one rule is required"))
	}
	if c.LatePoints != LateCurrentWindow && c.LatePoints != LateDrop {
		errs = append(errs, fmt.Errorf("late_points: must be %q or %q, got %q", LateCurrentWindow, LateDrop, c.LatePoints))
	}
	if c.MaxInputSeries <= 0 {
		errs = append(errs, fmt.Errorf("max_input_series: must be > 0, got %d", c.MaxInputSeries))
	}
	if c.FlushDelay < 0 {
		errs = append(errs, fmt.Errorf("flush_delay: must be >= 0, got %s", c.FlushDelay))
	}
	for i, r := range c.Rules {
		if r.Interval > 0 && c.FlushDelay >= r.Interval {
			errs = append(errs, fmt.Errorf("flush_delay: must be shorter than rules[%d].interval (%s), got %s", i, r.Interval, c.FlushDelay))
			break
		}
	}
	if c.Storage != nil && c.CheckpointInterval <= 0 {
		errs = append(errs, fmt.Errorf("checkpoint_interval: must be > 0 with a storage, got %s", c.CheckpointInterval))
	}
	names := map[string]int{}
	for i, r := range c.Rules {
		p := fmt.Sprintf("rules[%d]", i)
		if len(r.Metrics) == 0 {
			errs = append(errs, fmt.Errorf("%s.metrics: at least one metric name glob is required", p))
		}
		for j, g := range r.Metrics {
			if g == "" {
				errs = append(errs, fmt.Errorf("%s.metrics[%d]: empty glob", p, j))
			}
		}
		if r.Interval <= 0 {
			errs = append(errs, fmt.Errorf("%s.interval: must be > 0, got %s", p, r.Interval))
		} else if r.Interval%time.Millisecond != 0 {
			errs = append(errs, fmt.Errorf("%s.interval: must be a whole number of milliseconds, got %s", p, r.Interval))
		}
		if len(r.GroupBy) > 0 && len(r.Without) > 0 {
			errs = append(errs, fmt.Errorf("%s: group_by and without are exclusive, got both", p))
		}
		if len(r.Outputs) == 0 {
			errs = append(errs, fmt.Errorf("%s.outputs: at least one output is required (one of %v)", p, window.OutputNames()))
		}
		seen := map[string]bool{}
		for j, o := range r.Outputs {
			if _, err := window.Lookup(o); err != nil {
				errs = append(errs, fmt.Errorf("%s.outputs[%d]: %w", p, j, err))
			}
			if seen[o] {
				errs = append(errs, fmt.Errorf("%s.outputs[%d]: duplicate output %q", p, j, o))
			}
			seen[o] = true
		}
		if r.MaxSeries <= 0 {
			errs = append(errs, fmt.Errorf("%s.max_series: must be > 0, got %d", p, r.MaxSeries))
		}
		if r.Temporality != TemporalityDelta && r.Temporality != TemporalityCumulative {
			errs = append(errs, fmt.Errorf("%s.temporality: must be %q or %q, got %q", p, TemporalityDelta, TemporalityCumulative, r.Temporality))
		}
		if r.NameTemplate != "" {
			if !strings.Contains(r.NameTemplate, "{name}") {
				errs = append(errs, fmt.Errorf("%s.name_template: must contain {name}, got %q", p, r.NameTemplate))
			}
			if len(r.Outputs) > 1 && !strings.Contains(r.NameTemplate, "{output}") {
				errs = append(errs, fmt.Errorf("%s.name_template: must contain {output} with more than one output, got %q", p, r.NameTemplate))
			}
		}
		name := ruleName(i, r)
		if k, dup := names[name]; dup {
			errs = append(errs, fmt.Errorf("%s.name: duplicate of rules[%d], got %q", p, k, name))
		}
		names[name] = i
	}
	return errors.Join(errs...)
}

func ruleName(i int, r RuleConfig) string {
	if r.Name != "" {
		return r.Name
	}
	return fmt.Sprintf("rule_%d", i)
}

func (r *RuleConfig) namer() window.Namer {
	tmpl := r.NameTemplate
	if tmpl == "" {
		tmpl = "{name}.{output}"
		if len(r.Outputs) == 1 {
			tmpl = "{name}"
		}
	}
	return func(name, output string) string {
		return strings.NewReplacer("{name}", name, "{output}", output).Replace(tmpl)
	}
}

// globs compiles the metric name globs into one anchored expression.
func globs(patterns []string) *regexp.Regexp {
	parts := make([]string, len(patterns))
	for i, p := range patterns {
		q := regexp.QuoteMeta(p)
		q = strings.ReplaceAll(q, `\*`, `.*`)
		q = strings.ReplaceAll(q, `\?`, `.`)
		parts[i] = q
	}
	return regexp.MustCompile(`^(?:` + strings.Join(parts, "|") + `)$`)
}
