package attributefilterprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"

	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/metadata"
)

// TestLoadExamples loads every worked example of the README and checks what it compiled to.
func TestLoadExamples(t *testing.T) {
	load := func(name string) *Config {
		cfg := testutil.LoadConfig(t, filepath.Join("testdata", "config.yaml"), component.NewIDWithName(metadata.Type, name).String(), NewFactory()).(*Config)
		require.NoError(t, confmap.Validate(cfg))
		return cfg
	}

	health := load("health_checks")
	require.Len(t, health.Drop.DropIfAny, 2)
	assert.Equal(t, "kube-probe/*", *health.Drop.DropIfAny[1].Matchers[0].Glob)

	prod := load("production_only")
	p, err := compile(prod)
	require.NoError(t, err)
	require.Len(t, p.keepOnly, 1)
	assert.Equal(t, "production", prod.Drop.KeepOnly[0].Name)

	creds := load("credentials")
	p, err = compile(creds)
	require.NoError(t, err)
	assert.True(t, p.keys[levelRecord].removes("password"))
	assert.True(t, p.keys[levelRecord].removes("db.secret"))
	assert.True(t, p.keys[levelRecord].removes("x-API-Key"))
	assert.False(t, p.keys[levelRecord].removes("http.method"))
	assert.False(t, p.keys[levelResource].removes("deployment.environment"))
	assert.True(t, p.keys[levelResource].removes("host.name"))
	assert.Nil(t, p.keys[levelScope])

	lim := load("limits")
	assert.Equal(t, LimitsConfig{MaxStringLength: 4096, TruncationMarker: "…", MaxAttributes: 64, MaxArrayLength: 32}, lim.Limits)

	card := load("cardinality")
	assert.Equal(t, 10*time.Minute, card.Cardinality.Window)
	assert.Equal(t, 5000, card.Cardinality.MaxTrackedMetrics)
	require.Len(t, card.Cardinality.Limits, 2)
	assert.Equal(t, []string{"http.route", "user.id"}, card.Cardinality.Limits[0].Keys)
}

func TestDefaultConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, cfg.Validate())
	assert.Equal(t, "...", cfg.Limits.TruncationMarker)
	assert.Equal(t, 10*time.Minute, cfg.Cardinality.Window)
	assert.Equal(t, "otelgate.overflow", cfg.Cardinality.OverflowValue)
	assert.Equal(t, 10000, cfg.Cardinality.MaxTrackedMetrics)
}

func ptr[T any](v T) *T { return &v }

// TestValidateErrors checks that each bad setting is rejected with its path and value.
func TestValidateErrors(t *testing.T) {
	rule := func(ms ...MatcherConfig) RuleConfig { return RuleConfig{Matchers: ms} }
	good := MatcherConfig{Field: "span.name", Exact: "x"}
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"bad regex", func(c *Config) {
			c.Drop.DropIfAny = []RuleConfig{rule(good), rule(MatcherConfig{Field: "span.name", Regex: ptr("(")})}
		}, "drop.drop_if_any[1].matchers[0].regex: error parsing regexp"},
		{"bad regex in a named rule", func(c *Config) {
			c.Drop.DropIfAny = []RuleConfig{{Name: "kube-probes", Matchers: []MatcherConfig{{Field: "log.body", Regex: ptr("kube-probe/(")}}}}
		}, `rule "kube-probes": drop.drop_if_any[0].matchers[0].regex: error parsing regexp`},
		{"unknown field", func(c *Config) {
			c.Drop.KeepOnly = []RuleConfig{rule(good, MatcherConfig{Field: "span.colour", Exact: "x"})}
		}, `drop.keep_only[0].matchers[1].field: unknown field "span.colour"`},
		{"unquoted key", func(c *Config) {
			c.Drop.DropIfAny = []RuleConfig{rule(MatcherConfig{Field: "attributes[k]", Exists: ptr(true)})}
		}, `drop.drop_if_any[0].matchers[0].field: unknown field "attributes[k]"`},
		{"two kinds", func(c *Config) {
			c.Drop.DropIfAny = []RuleConfig{rule(MatcherConfig{Field: "span.name", Exact: "a", Glob: ptr("b")})}
		}, "drop.drop_if_any[0].matchers[0]: set exactly one of exact, in, glob, regex, exists or gt/gte/lt/lte, got 2"},
		{"no kind", func(c *Config) {
			c.Drop.DropIfAny = []RuleConfig{rule(MatcherConfig{Field: "span.name"})}
		}, "got 0"},
		{"no matchers", func(c *Config) {
			c.Drop.DropIfAny = []RuleConfig{{Name: "empty"}}
		}, "drop.drop_if_any[0].matchers: a rule needs at least one matcher"},
		{"mixed kinds", func(c *Config) {
			c.Drop.DropIfAny = []RuleConfig{rule(good, MatcherConfig{Field: "log.body", Exists: ptr(true)})}
		}, "drop.drop_if_any[0].matchers: fields of different record kinds"},
		{"bad applies_to", func(c *Config) {
			c.Drop.DropIfAny = []RuleConfig{{AppliesTo: []string{"spans", "profiles"}, Matchers: []MatcherConfig{{Field: `attributes["a"]`, Exists: ptr(true)}}}}
		}, `drop.drop_if_any[0].applies_to[1]: unknown record kind "profiles"`},
		{"applies_to without the field", func(c *Config) {
			c.Drop.DropIfAny = []RuleConfig{{AppliesTo: []string{"logs"}, Matchers: []MatcherConfig{good}}}
		}, `drop.drop_if_any[0].applies_to[0]: "logs" records lack a field`},
		{"empty set", func(c *Config) {
			c.Drop.DropIfAny = []RuleConfig{rule(MatcherConfig{Field: "span.name", In: []any{}})}
		}, "drop.drop_if_any[0].matchers[0].in: must list at least one value"},
		{"allow and deny", func(c *Config) {
			c.Keys.Scope = KeyListConfig{Allow: []string{"a"}, Deny: []string{"b"}}
		}, "keys.scope: set an allow list or a deny list, not both"},
		{"bad key regex", func(c *Config) {
			c.Keys.Record = KeyListConfig{DenyRegex: []string{"ok", "[z-a]"}}
		}, "keys.record.deny_regex[1]: error parsing regexp"},
		{"empty key", func(c *Config) {
			c.Keys.Resource = KeyListConfig{Allow: []string{""}}
		}, "keys.resource.allow[0]: must not be empty"},
		{"negative string length", func(c *Config) { c.Limits.MaxStringLength = -1 }, "limits.max_string_length: must be >= 0, got -1"},
		{"marker too long", func(c *Config) { c.Limits.MaxStringLength = 3 }, `limits.truncation_marker: must be shorter than max_string_length (3 bytes), got "..."`},
		{"negative attributes", func(c *Config) { c.Limits.MaxAttributes = -2 }, "limits.max_attributes: must be >= 0, got -2"},
		{"negative array", func(c *Config) { c.Limits.MaxArrayLength = -3 }, "limits.max_array_length: must be >= 0, got -3"},
		{"zero window", func(c *Config) {
			c.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", Keys: []string{"k"}, MaxValues: 1}}
			c.Cardinality.Window = 0
		}, "cardinality.window: must be > 0, got 0s"},
		{"zero max values", func(c *Config) {
			c.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", Keys: []string{"k"}, MaxValues: 1}, {Metrics: "a", Keys: []string{"k"}}}
		}, "cardinality.limits[1].max_values: must be > 0, got 0"},
		{"no keys", func(c *Config) {
			c.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", MaxValues: 1}}
		}, "cardinality.limits[0].keys: must list at least one key"},
		{"overflow longer than strings may be", func(c *Config) {
			c.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", Keys: []string{"k"}, MaxValues: 1}}
			c.Limits.MaxStringLength = 8
		}, `cardinality.overflow_value: must fit limits.max_string_length (8 bytes), got "otelgate.overflow"`},
		{"empty overflow", func(c *Config) {
			c.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", Keys: []string{"k"}, MaxValues: 1}}
			c.Cardinality.OverflowValue = ""
		}, "cardinality.overflow_value: must not be empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tc.edit(cfg)
			err := cfg.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want, "error %q lacks %q", err, tc.want)
		})
	}
}

// TestExactAcceptsYAMLNumbers: `exact: 200` in YAML is a number; it must still configure a match on 200.
func TestExactAcceptsYAMLNumbers(t *testing.T) {
	cm := confmap.NewFromStringMap(map[string]any{
		"drop": map[string]any{"drop_if_any": []any{map[string]any{
			"matchers": []any{map[string]any{"field": `attributes["http.status_code"]`, "exact": 200}},
		}}},
	})
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, cm.Unmarshal(cfg))
	p, err := compile(cfg)
	require.NoError(t, err)
	m := p.dropIfAny[0].inner[0].m
	assert.True(t, m.Match(match.Int(200)))
	assert.True(t, m.Match(match.Str("200")))
	assert.False(t, m.Match(match.Int(201)))
}

func TestExactRejectsStructures(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Drop.DropIfAny = []RuleConfig{{Matchers: []MatcherConfig{{Field: "span.name", In: []any{"a", map[string]any{"b": 1}}}}}}
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "drop.drop_if_any[0].matchers[0].in[1]: must be a string, number or boolean, got map[string]interface {}")
}
