package adaptivesamplingprocessor

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	processors, err := cm.Sub("processors")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := processors.Sub(component.NewIDWithName(metadata.Type, name).String())
	if err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := confmap.Validate(cfg); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return cfg
}

func TestLoadConfigExamples(t *testing.T) {
	def := loadConfig(t, "")
	if def.Mode != ModeConsistent || len(def.Rules) != 1 || def.Rules[0].Type != SamplerAdaptivePercentage ||
		def.Rules[0].GoalPercentage != 10 || def.AdjustmentInterval != 30*time.Second || def.SamplingPrecision != 4 {
		t.Fatalf("defaults: %+v", def)
	}

	gw := loadConfig(t, "gateway")
	if len(gw.Rules) != 2 || gw.Rules[0].Conditions[0] != "status.code == STATUS_CODE_ERROR" ||
		gw.Rules[1].FingerprintAttributes[1] != "http.route" {
		t.Fatalf("gateway: %+v", gw.Rules)
	}

	b := loadConfig(t, "budget")
	if b.SharedState == nil || b.SharedState.String() != "sampling_state" || b.SharedStateTimeout != 200*time.Millisecond ||
		b.EMAWeight != 0.3 || b.MaxKeys != 5000 || b.Rules[1].GoalSpansPerSecond != 500 {
		t.Fatalf("budget: %+v", b)
	}

	tl := loadConfig(t, "tail")
	if tl.Mode != ModeTail || tl.NumTraces != 20000 || tl.SpanLimit != 500 || tl.DecisionDelay != 2*time.Second ||
		tl.DecisionCache.NonSampledCacheSize != 200000 || tl.RuleAttribute != "otelgate.sampling.rule" {
		t.Fatalf("tail: %+v", tl)
	}

	// Every example builds (its OTTL conditions parse) for traces and logs.
	for _, name := range []string{"", "gateway", "budget", "tail"} {
		cfg := loadConfig(t, name)
		set := processortest.NewNopSettings(metadata.Type)
		tp, err := NewFactory().CreateTraces(context.Background(), set, cfg, new(consumertest.TracesSink))
		if err != nil {
			t.Fatalf("%s: traces: %v", name, err)
		}
		_ = tp.Shutdown(context.Background())
		lp, err := NewFactory().CreateLogs(context.Background(), set, cfg, new(consumertest.LogsSink))
		if err != nil {
			t.Fatalf("%s: logs: %v", name, err)
		}
		_ = lp.Shutdown(context.Background())
	}
}

func TestValidateNamesFieldAndValue(t *testing.T) {
	cases := map[string]struct {
		mutate func(*Config)
		want   string
	}{
		"catch-all shadows": {func(c *Config) {
			c.Rules = []RuleConfig{{Name: "all", Type: SamplerAlwaysSample}, {Name: "never", Type: SamplerProbabilistic}}
		}, `rules[0]: rule "all" has no conditions and shadows the 1 rule(s) after it`},
		"goal zero": {func(c *Config) {
			c.Rules = []RuleConfig{{Name: "a", Conditions: []string{"true"}, Type: SamplerAlwaysSample}, {Name: "b", Type: SamplerProbabilistic, SamplingPercentage: 5}, {Name: "c", Type: SamplerAdaptivePercentage}}
			c.Rules[1].Conditions = []string{"true"}
		}, "rules[2].goal_percentage: must be in (0, 100], got 0"},
		"percentage range": {func(c *Config) {
			c.Rules = []RuleConfig{{Name: "p", Type: SamplerProbabilistic, SamplingPercentage: 101}}
		},
			"rules[0].sampling_percentage: must be in [0, 100], got 101"},
		"throughput": {func(c *Config) {
			c.Rules = []RuleConfig{{Name: "t", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: -1}}
		},
			"rules[0].goal_spans_per_second: must be positive, got -1"},
		"unknown type": {func(c *Config) { c.Rules = []RuleConfig{{Name: "x", Type: "dynamic"}} }, `rules[0].type: must be one of always_sample, probabilistic, adaptive_percentage, adaptive_throughput, got "dynamic"`},
		"wrong field":  {func(c *Config) { c.Rules = []RuleConfig{{Name: "x", Type: SamplerAlwaysSample, GoalPercentage: 5}} }, `rules[0].goal_percentage: not used by type "always_sample", got 5`},
		"fingerprint on fixed": {func(c *Config) {
			c.Rules = []RuleConfig{{Name: "x", Type: SamplerProbabilistic, SamplingPercentage: 1, FingerprintAttributes: []string{"a"}}}
		}, `rules[0].fingerprint_attributes: only adaptive samplers use keys`},
		"duplicate name": {func(c *Config) {
			c.Rules = []RuleConfig{{Name: "x", Conditions: []string{"true"}, Type: SamplerAlwaysSample}, {Name: "x", Type: SamplerAlwaysSample}}
		}, `rules[1].name: "x" already names rules[0]`},
		"no rules":        {func(c *Config) { c.Rules = nil }, "rules: at least one rule is required"},
		"mode":            {func(c *Config) { c.Mode = "head" }, `mode: must be "consistent" or "tail", got "head"`},
		"ema":             {func(c *Config) { c.EMAWeight = 1.5 }, "ema_weight: must be in (0, 1], got 1.5"},
		"precision":       {func(c *Config) { c.SamplingPrecision = 15 }, "sampling_precision: must be in [1, 14], got 15"},
		"max keys":        {func(c *Config) { c.MaxKeys = 0 }, "max_keys: must be at least 1, got 0"},
		"interval":        {func(c *Config) { c.AdjustmentInterval = 0 }, "adjustment_interval: must be positive, got 0s"},
		"logs rule":       {func(c *Config) { c.LogsRule = "nope" }, `logs_rule: no rule is named "nope"`},
		"tail traces":     {func(c *Config) { c.Mode = ModeTail; c.NumTraces = 0 }, "num_traces: must be at least 1, got 0"},
		"tail delay":      {func(c *Config) { c.Mode = ModeTail; c.DecisionDelay = -time.Second }, "decision_delay: must not be negative, got -1s"},
		"tail cache":      {func(c *Config) { c.Mode = ModeTail; c.DecisionCache.SampledCacheSize = 0 }, "decision_cache.sampled_cache_size: must be at least 1, got 0"},
		"empty condition": {func(c *Config) { c.Rules[0].Conditions = []string{""} }, "rules[0].conditions[0]: must not be empty"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			c.mutate(cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
	if err := createDefaultConfig().(*Config).Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
}

func TestBadConditionIsAnError(t *testing.T) {
	cfg := testConfig(RuleConfig{Name: "bad", Conditions: []string{`attributes["x"] ==`}, Type: SamplerAlwaysSample}, RuleConfig{Name: "rest", Type: SamplerAlwaysSample})
	_, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, new(consumertest.TracesSink))
	if err == nil || !strings.Contains(err.Error(), "rules[0].conditions") {
		t.Fatalf("error %v", err)
	}
}

// Every adaptive_sampling example of the README (the gateway, fleet, tail and
// load-shedding ones) unmarshals into the config and validates.
func TestReadmeExamples(t *testing.T) {
	examples := testutil.CheckReadme(t, "README.md", NewFactory(), nil)
	require.GreaterOrEqual(t, len(examples), 4, "README examples of the processor")
}
