package enrichmentprocessor

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configoptional"

	"github.com/otelgate/otelgate/processor/enrichmentprocessor/internal/source"
	"github.com/otelgate/otelgate/processor/enrichmentprocessor/internal/table"
)

// Config configures the enrichment processor. Sources apply in this order:
// metadata, environment, static, auth, then lookups in the order listed, so
// auth overwrites what the others wrote under its keys and a lookup can key
// on an attribute an earlier source set.
type Config struct {
	// Static are fixed attributes; values may use ${env:VAR}.
	Static []StaticAttribute `mapstructure:"static"`
	// Environment, when present (`environment: {}`), adds facts about where the gateway runs.
	Environment configoptional.Optional[EnvironmentConfig] `mapstructure:"environment"`
	// Lookups add the columns of the table row matching a record's key attributes.
	Lookups []LookupConfig `mapstructure:"lookups"`
	// Metadata copies allow-listed request headers (client metadata).
	Metadata []MetadataAttribute `mapstructure:"metadata"`
	// Auth copies attributes of the authenticated identity (client.Info.Auth).
	Auth []AuthAttribute `mapstructure:"auth"`

	_ struct{}
}

// Action is insert, update or upsert.
type Action string

// The actions: insert only when absent, update only when present, upsert always.
const (
	ActionInsert Action = "insert"
	ActionUpdate Action = "update"
	ActionUpsert Action = "upsert"
)

// Level is resource or record.
type Level string

// The levels.
const (
	LevelResource Level = "resource"
	LevelRecord   Level = "record"
)

// StaticAttribute is one fixed attribute.
type StaticAttribute struct {
	Key    string `mapstructure:"key"`
	Value  string `mapstructure:"value"`
	Action Action `mapstructure:"action"` // default upsert
	Level  Level  `mapstructure:"level"`  // default resource
}

// EnvironmentConfig configures the environment source.
type EnvironmentConfig struct {
	// Keys to set; default the keys shared with senders
	// (k8s.cluster.name, deployment.environment.name, cloud.region).
	Keys []string `mapstructure:"keys"`
	// Variables overrides the environment variable feeding a key.
	Variables map[string]string `mapstructure:"variables"`
	// Prefix is prepended to every key (e.g. "otelgate.gateway.").
	Prefix string `mapstructure:"prefix"`
	Action Action `mapstructure:"action"` // default insert
	Level  Level  `mapstructure:"level"`  // default resource
}

// LookupConfig configures one lookup table.
type LookupConfig struct {
	// Name labels the table in the processor's metrics; default the file's base name.
	Name string `mapstructure:"name"`
	// File is the table's path.
	File string `mapstructure:"file"`
	// Format is csv, json or yaml; default from the file's extension.
	Format string `mapstructure:"format"`
	// Key are the attributes whose values, in order, form the key.
	Key []string `mapstructure:"key"`
	// KeyColumns are the columns holding the key; default the same names as Key.
	KeyColumns []string `mapstructure:"key_columns"`
	// Columns are added as attributes; default every non-key column.
	Columns []string `mapstructure:"columns"`
	// Prefix is prepended to a column name to form the attribute key.
	Prefix string `mapstructure:"prefix"`
	// DefaultKey, when set, marks the row applied when nothing matches: the
	// row whose key columns all hold this value (e.g. "*").
	DefaultKey string `mapstructure:"default_key"`
	Action     Action `mapstructure:"action"` // default upsert
	Level      Level  `mapstructure:"level"`  // default resource
	// ReloadInterval is the polling fallback for noticing changes; default 30s.
	ReloadInterval time.Duration `mapstructure:"reload_interval"`
	// MaxRows bounds the table; default 100000.
	MaxRows int `mapstructure:"max_rows"`
}

// MetadataAttribute copies one request header to an attribute.
type MetadataAttribute struct {
	Header string `mapstructure:"header"`
	Key    string `mapstructure:"key"`
	Action Action `mapstructure:"action"` // default upsert
	Level  Level  `mapstructure:"level"`  // default resource
}

// AuthAttribute copies one attribute of the authenticated identity, which a
// receiver's server authenticator (tenant_auth: attribute "tenant") sets.
// It always overwrites; a request without the attribute has Key removed.
type AuthAttribute struct {
	Attribute string `mapstructure:"attribute"`
	Key       string `mapstructure:"key"`
	Level     Level  `mapstructure:"level"` // default resource
}

const (
	defaultReloadInterval = 30 * time.Second
	defaultMaxRows        = 100000
)

// credentialHeaders are never copied into telemetry.
var credentialHeaders = []string{"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}

// Validate checks the configuration; errors name the field and the bad value.
func (c *Config) Validate() error {
	var errs []error
	add := func(field string, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if len(c.Static) == 0 && !c.Environment.HasValue() && len(c.Lookups) == 0 && len(c.Metadata) == 0 && len(c.Auth) == 0 {
		errs = append(errs, errors.New("no source configured: set at least one of static, environment, lookups, metadata, auth"))
	}
	for i, s := range c.Static {
		f := fmt.Sprintf("static[%d]", i)
		if s.Key == "" {
			add(f+".key", "must not be empty")
		}
		checkAction(add, f, s.Action)
		checkLevel(add, f, s.Level)
	}
	if c.Environment.HasValue() {
		e := c.Environment.Get()
		for i, k := range e.Keys {
			if _, ok := source.EnvKeys[k]; !ok {
				if _, overridden := e.Variables[k]; !overridden {
					add(fmt.Sprintf("environment.keys[%d]", i), "unknown key %q: give its variable in environment.variables", k)
				}
			}
		}
		for k, v := range e.Variables {
			if v == "" {
				add("environment.variables."+k, "must name a variable")
			}
		}
		checkAction(add, "environment", e.Action)
		checkLevel(add, "environment", e.Level)
	}
	names := map[string]int{}
	for i, l := range c.Lookups {
		f := fmt.Sprintf("lookups[%d]", i)
		if l.File == "" {
			add(f+".file", "must not be empty")
		} else if l.Format == "" && table.FormatOf(l.File) == "" {
			add(f+".format", "cannot tell from the file name %q: set csv, json or yaml", l.File)
		}
		switch table.Format(l.Format) {
		case "", table.FormatCSV, table.FormatJSON, table.FormatYAML:
		default:
			add(f+".format", "must be csv, json or yaml, got %q", l.Format)
		}
		if len(l.Key) == 0 {
			add(f+".key", "must name at least one attribute")
		}
		if len(l.Key) > table.MaxKeyParts {
			add(f+".key", "at most %d attributes, got %d", table.MaxKeyParts, len(l.Key))
		}
		for j, k := range l.Key {
			if k == "" {
				add(fmt.Sprintf("%s.key[%d]", f, j), "must not be empty")
			}
		}
		if len(l.KeyColumns) > 0 && len(l.KeyColumns) != len(l.Key) {
			add(f+".key_columns", "must name as many columns as key (%d), got %d", len(l.Key), len(l.KeyColumns))
		}
		if l.ReloadInterval < 0 {
			add(f+".reload_interval", "must not be negative, got %s", l.ReloadInterval)
		}
		if l.MaxRows < 0 {
			add(f+".max_rows", "must not be negative, got %d", l.MaxRows)
		}
		checkAction(add, f, l.Action)
		checkLevel(add, f, l.Level)
		name := l.tableName()
		if j, dup := names[name]; dup {
			add(f+".name", "%q is also the name of lookups[%d]; set distinct names", name, j)
		}
		names[name] = i
	}
	for i, m := range c.Metadata {
		f := fmt.Sprintf("metadata[%d]", i)
		if m.Header == "" {
			add(f+".header", "must not be empty")
		}
		for _, h := range credentialHeaders {
			if strings.EqualFold(m.Header, h) {
				add(f+".header", "%q carries credentials and is never copied into telemetry", m.Header)
			}
		}
		if m.Key == "" {
			add(f+".key", "must not be empty")
		}
		checkAction(add, f, m.Action)
		checkLevel(add, f, m.Level)
	}
	authKeys := map[string]int{}
	for i, a := range c.Auth {
		f := fmt.Sprintf("auth[%d]", i)
		if a.Attribute == "" {
			add(f+".attribute", "must name an attribute of the authenticated identity (tenant_auth: tenant)")
		}
		if a.Key == "" {
			add(f+".key", "must not be empty")
		}
		checkLevel(add, f, a.Level)
		k := string(levelOf(a.Level)) + "/" + a.Key
		if j, dup := authKeys[k]; dup {
			add(f+".key", "%q is also written by auth[%d]", a.Key, j)
		}
		authKeys[k] = i
	}
	return errors.Join(errs...)
}

func checkAction(add func(string, string, ...any), f string, a Action) {
	switch a {
	case "", ActionInsert, ActionUpdate, ActionUpsert:
	default:
		add(f+".action", "must be insert, update or upsert, got %q", a)
	}
}

func checkLevel(add func(string, string, ...any), f string, l Level) {
	switch l {
	case "", LevelResource, LevelRecord:
	default:
		add(f+".level", "must be resource or record, got %q", l)
	}
}

func (l *LookupConfig) tableName() string {
	if l.Name != "" {
		return l.Name
	}
	base := l.File
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return base
}

func (a Action) toSource(def source.Action) source.Action {
	switch a {
	case ActionInsert:
		return source.Insert
	case ActionUpdate:
		return source.Update
	case ActionUpsert:
		return source.Upsert
	}
	return def
}

func (l Level) toSource() source.Level {
	if l == LevelRecord {
		return source.LevelRecord
	}
	return source.LevelResource
}

func (l *LookupConfig) spec() table.Spec {
	format := table.Format(l.Format)
	if format == "" {
		format = table.FormatOf(l.File)
	}
	keyCols := l.KeyColumns
	if len(keyCols) == 0 {
		keyCols = l.Key
	}
	maxRows := l.MaxRows
	if maxRows == 0 {
		maxRows = defaultMaxRows
	}
	return table.Spec{
		Format:     format,
		KeyColumns: keyCols,
		Columns:    l.Columns,
		Prefix:     l.Prefix,
		DefaultKey: l.DefaultKey,
		MaxRows:    maxRows,
	}
}
