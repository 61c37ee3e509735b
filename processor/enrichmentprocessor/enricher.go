package enrichmentprocessor

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/processor/enrichmentprocessor/internal/metadata"
	"github.com/otelgate/otelgate/processor/enrichmentprocessor/internal/source"
	"github.com/otelgate/otelgate/processor/enrichmentprocessor/internal/table"
)

// settleDelay is how long change notifications must stop before a table file is read.
const settleDelay = 200 * time.Millisecond

// enricher is the processor shared by the three signals.
type enricher struct {
	cfg       *Config
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	lookupEnv func(string) (string, bool)

	// Built at start, read-only afterwards.
	resource []source.Source
	record   []source.Source
	lookups  []lookup

	addedOpts [source.Kinds]metric.AddOption

	stops []func() // stop the table watchers
}

// lookup is one configured table with its telemetry attributes.
type lookup struct {
	name     string
	file     *table.File
	interval time.Duration
	opt      metric.AddOption
	obsOpt   metric.ObserveOption
}

func newEnricher(set processor.Settings, cfg *Config) (*enricher, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e := &enricher{cfg: cfg, logger: set.Logger, telemetry: tb, lookupEnv: os.LookupEnv}
	for k := range source.Kinds {
		e.addedOpts[k] = metric.WithAttributeSet(attribute.NewSet(attribute.String("source", k.String())))
	}
	return e, nil
}

// start reads the environment and loads the tables; a table that does not
// load fails the start, naming its file and line.
func (e *enricher) start(ctx context.Context, _ component.Host) error {
	cfg := e.cfg
	var all []source.Source
	add := func(s source.Source) { all = append(all, s) }

	for _, lvl := range []Level{LevelResource, LevelRecord} {
		var attrs []source.MetadataAttribute
		for _, m := range cfg.Metadata {
			if levelOf(m.Level) == lvl {
				attrs = append(attrs, source.MetadataAttribute{Header: m.Header, Key: m.Key, Action: m.Action.toSource(source.Upsert)})
			}
		}
		if len(attrs) > 0 {
			add(source.NewMetadata(lvl.toSource(), attrs))
		}
	}
	if cfg.Environment.HasValue() {
		ec := cfg.Environment.Get()
		keys := ec.Keys
		if len(keys) == 0 {
			keys = source.DefaultEnvKeys()
		}
		env, missing := source.NewEnvironment(source.EnvSettings{
			Keys: keys, Variables: ec.Variables, Prefix: ec.Prefix,
			Action: ec.Action.toSource(source.Insert), Level: ec.Level.toSource(), LookupEnv: e.lookupEnv,
		})
		if ec.Prefix == "" {
			for _, k := range keys {
				if _, overridden := ec.Variables[k]; !overridden && source.EnvKeys[k].Describes == source.Gateway {
					e.logger.Warn("environment: this key describes the gateway itself, not the sender of the data; "+
						"set environment.prefix (e.g. otelgate.gateway.) so it cannot be mistaken for the sender's",
						zap.String("key", k))
				}
			}
		}
		for _, k := range missing {
			e.logger.Info("environment: value unset, attribute not added", zap.String("key", k), zap.String("variable", envVariable(ec, k)))
		}
		add(env)
	}
	for _, lvl := range []Level{LevelResource, LevelRecord} {
		var attrs []source.StaticAttribute
		for _, s := range cfg.Static {
			if levelOf(s.Level) == lvl {
				attrs = append(attrs, source.StaticAttribute{Key: s.Key, Value: s.Value, Action: s.Action.toSource(source.Upsert)})
			}
		}
		if len(attrs) > 0 {
			add(source.NewStatic(lvl.toSource(), attrs))
		}
	}
	for _, lvl := range []Level{LevelResource, LevelRecord} {
		var attrs []source.AuthAttribute
		for _, a := range cfg.Auth {
			if levelOf(a.Level) == lvl {
				attrs = append(attrs, source.AuthAttribute{Attribute: a.Attribute, Key: a.Key})
			}
		}
		if len(attrs) > 0 {
			add(source.NewAuth(lvl.toSource(), attrs))
		}
	}
	e.lookups = make([]lookup, len(cfg.Lookups))
	for i := range cfg.Lookups {
		lc := &cfg.Lookups[i]
		f, err := table.Open(lc.File, lc.spec())
		if err != nil {
			return fmt.Errorf("lookups[%d]: %w", i, err)
		}
		name := lc.tableName()
		set := attribute.NewSet(attribute.String("table", name))
		interval := lc.ReloadInterval
		if interval == 0 {
			interval = defaultReloadInterval
		}
		e.lookups[i] = lookup{name: name, file: f, interval: interval,
			opt: metric.WithAttributeSet(set), obsOpt: metric.WithAttributeSet(set)}
		add(source.NewLookup(i, lc.Level.toSource(), lc.Key, lc.Action.toSource(source.Upsert), f))
		e.logger.Info("lookup table loaded", zap.String("table", name), zap.String("file", lc.File), zap.Int("rows", f.Table().Len()))
	}
	for _, s := range all {
		if s.Level() == source.LevelRecord {
			e.record = append(e.record, s)
		} else {
			e.resource = append(e.resource, s)
		}
	}
	if len(e.lookups) > 0 {
		if err := e.telemetry.RegisterProcessorEnrichmentTableRowsCallback(func(_ context.Context, o metric.Int64Observer) error {
			for i := range e.lookups {
				o.Observe(int64(e.lookups[i].file.Table().Len()), e.lookups[i].obsOpt)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	for i := range e.lookups {
		l := &e.lookups[i]
		e.stops = append(e.stops, l.file.Watch(table.WatchOptions{
			Interval: l.interval,
			Settle:   settleDelay,
			OnReload: func(err error) { e.reloaded(i, err) },
			OnWatchError: func(err error) {
				e.logger.Warn("lookup table: change notifications unavailable, polling only",
					zap.String("table", l.name), zap.Duration("reload_interval", l.interval), zap.Error(err))
			},
		}))
	}
	return nil
}

func levelOf(l Level) Level {
	if l == "" {
		return LevelResource
	}
	return l
}

func envVariable(ec *EnvironmentConfig, key string) string {
	if v, ok := ec.Variables[key]; ok {
		return v
	}
	if v := source.EnvKeys[key].Variable; v != "" {
		return v
	}
	return "(host fact)"
}

// reload re-reads lookup i now; the watcher calls the same path.
func (e *enricher) reload(i int) error {
	changed, err := e.lookups[i].file.Reload()
	if changed || err != nil {
		e.reloaded(i, err)
	}
	return err
}

func (e *enricher) reloaded(i int, err error) {
	l := &e.lookups[i]
	ctx := context.Background()
	if err != nil {
		e.telemetry.ProcessorEnrichmentTableReloadFailures.Add(ctx, 1, l.opt)
		e.logger.Error("lookup table reload failed, keeping the previous table",
			zap.String("table", l.name), zap.Int("rows", l.file.Table().Len()), zap.Error(err))
		return
	}
	e.telemetry.ProcessorEnrichmentTableReloads.Add(ctx, 1, l.opt)
	e.logger.Info("lookup table reloaded", zap.String("table", l.name), zap.Int("rows", l.file.Table().Len()))
}

func (e *enricher) shutdown(context.Context) error {
	for _, stop := range e.stops {
		stop()
	}
	e.stops = nil
	e.telemetry.Shutdown()
	return nil
}

// batch is the sources bound to one request.
type batch struct {
	resource []source.Binding
	record   []source.Binding
	stats    source.Stats

	resBuf, recBuf     [8]source.Binding
	hitsBuf, missesBuf [8]int64
}

func (e *enricher) bind(ctx context.Context, b *batch) {
	b.resource, b.record = b.resBuf[:0], b.recBuf[:0]
	for _, s := range e.resource {
		if bd := s.Bind(ctx); bd != nil {
			b.resource = append(b.resource, bd)
		}
	}
	for _, s := range e.record {
		if bd := s.Bind(ctx); bd != nil {
			b.record = append(b.record, bd)
		}
	}
	if n := len(e.lookups); n <= len(b.hitsBuf) {
		b.stats.Hits, b.stats.Misses = b.hitsBuf[:n], b.missesBuf[:n]
	} else {
		b.stats.Hits, b.stats.Misses = make([]int64, n), make([]int64, n)
	}
}

func (b *batch) applyResource(attrs pcommon.Map) {
	for _, bd := range b.resource {
		bd.Apply(attrs, attrs, &b.stats)
	}
}

func (b *batch) applyRecord(attrs, resource pcommon.Map) {
	for _, bd := range b.record {
		bd.Apply(attrs, resource, &b.stats)
	}
}

// flush adds the batch's counts to the processor's own metrics.
func (e *enricher) flush(ctx context.Context, b *batch) {
	tb := e.telemetry
	for k, n := range b.stats.Added {
		if n > 0 {
			tb.ProcessorEnrichmentAttributesAdded.Add(ctx, n, e.addedOpts[k])
		}
	}
	for i := range e.lookups {
		if n := b.stats.Hits[i]; n > 0 {
			tb.ProcessorEnrichmentLookupHits.Add(ctx, n, e.lookups[i].opt)
		}
		if n := b.stats.Misses[i]; n > 0 {
			tb.ProcessorEnrichmentLookupMisses.Add(ctx, n, e.lookups[i].opt)
		}
	}
}
