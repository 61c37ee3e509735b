package shipped

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/batchprocessor"
	"go.opentelemetry.io/collector/processor/memorylimiterprocessor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/extension/keyringextension"
	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/extension/samplingstateextension"
	"github.com/otelgate/otelgate/internal/loadgen"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"
	"github.com/otelgate/otelgate/processor/aggregationprocessor"
	"github.com/otelgate/otelgate/processor/attributefilterprocessor"
	"github.com/otelgate/otelgate/processor/encryptionprocessor"
	"github.com/otelgate/otelgate/processor/enrichmentprocessor"
)

// processorFactories are the processors config.yaml may use. A processor
// of the shipped pipelines missing here fails the benchmark, so a new line
// in config.yaml cannot go unmeasured.
var processorFactories = factories(
	memorylimiterprocessor.NewFactory(), batchprocessor.NewFactory(),
	enrichmentprocessor.NewFactory(), attributefilterprocessor.NewFactory(),
	adaptivesamplingprocessor.NewFactory(), aggregationprocessor.NewFactory(),
	encryptionprocessor.NewFactory(),
)

// extensionFactories are the extensions the processors look up. The others
// of config.yaml (health_check, tenant_auth) serve receivers and probes.
var extensionFactories = map[component.Type]extension.Factory{}

func init() {
	for _, f := range []extension.Factory{filestorage.NewFactory(), keyringextension.NewFactory(), samplingstateextension.NewFactory()} {
		extensionFactories[f.Type()] = f
	}
}

func factories(fs ...processor.Factory) map[component.Type]processor.Factory {
	m := make(map[component.Type]processor.Factory, len(fs))
	for _, f := range fs {
		m[f.Type()] = f
	}
	return m
}

// host serves the started extensions to the processors.
type host map[component.ID]component.Component

func (h host) GetExtensions() map[component.ID]component.Component { return h }

// tenant is the authentication data tenant_auth puts in a request's
// client.Info, for the enrichment processor's auth source.
type tenant string

func (t tenant) GetAttribute(name string) any {
	if name == "tenant" {
		return string(t)
	}
	return nil
}
func (tenant) GetAttributeNames() []string { return []string{"tenant"} }

// shipped is config.yaml resolved with this benchmark's files.
type shipped struct {
	conf *confmap.Conf
	host host
}

// loadShipped resolves ../../config.yaml with the environment the gateway
// would see, pointing its files at a fresh key ring and data directory, and
// starts the extensions the processors use.
func loadShipped(b testing.TB) *shipped {
	b.Helper()
	dir := b.TempDir()
	keys := filepath.Join(dir, "keys.yaml")
	k, err := keyring.GenerateKey("bench")
	require.NoError(b, err)
	r, err := keyring.NewRing([]*keyring.Key{k}, "bench")
	require.NoError(b, err)
	require.NoError(b, keyring.WriteFile(keys, r, true))
	table, err := filepath.Abs("../../tables/ownership.csv")
	require.NoError(b, err)
	b.Setenv("OTELGATE_KEYS_FILE", keys)
	b.Setenv("OTELGATE_DATA_DIR", dir)
	b.Setenv("OTELGATE_OWNERSHIP_TABLE", table)

	path, err := filepath.Abs("../../config.yaml")
	require.NoError(b, err)
	res, err := confmap.NewResolver(confmap.ResolverSettings{
		URIs:              []string{"file:" + path},
		ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory()},
		ProviderSettings:  confmap.ProviderSettings{Logger: zap.NewNop()},
		DefaultScheme:     "env",
	})
	require.NoError(b, err)
	conf, err := res.Resolve(context.Background())
	require.NoError(b, err)

	s := &shipped{conf: conf, host: host{}}
	var ids []component.ID
	require.NoError(b, section(conf, "service").Unmarshal(&struct {
		Extensions *[]component.ID `mapstructure:"extensions"`
		Rest       map[string]any  `mapstructure:",remain"`
	}{Extensions: &ids}))
	for _, id := range ids {
		f, ok := extensionFactories[id.Type()]
		if !ok {
			continue
		}
		cfg := f.CreateDefaultConfig()
		require.NoError(b, section(conf, "extensions::"+id.String()).Unmarshal(cfg), id.String())
		set := extensiontest.NewNopSettings(id.Type())
		set.ID = id
		ext, err := f.Create(context.Background(), set, cfg)
		require.NoError(b, err, id.String())
		require.NoError(b, ext.Start(context.Background(), s.host), id.String())
		b.Cleanup(func() { _ = ext.Shutdown(context.Background()) })
		s.host[id] = ext
	}
	return s
}

// section is the sub-map at key, empty when the key holds null (an
// extension listed with its defaults).
func section(conf *confmap.Conf, key string) *confmap.Conf {
	sub, err := conf.Sub(key)
	if err != nil || sub == nil {
		return confmap.New()
	}
	return sub
}

// pipeline is the processor IDs of one signal's pipeline, in order.
func (s *shipped) pipeline(b testing.TB, signal string) []component.ID {
	b.Helper()
	var p struct {
		Processors []component.ID `mapstructure:"processors"`
		Rest       map[string]any `mapstructure:",remain"`
	}
	require.NoError(b, section(s.conf, "service::pipelines::"+signal).Unmarshal(&p))
	require.NotEmpty(b, p.Processors, "config.yaml has a %s pipeline with processors", signal)
	return p.Processors
}

// config is processor id's section of config.yaml, unmarshaled and validated.
func (s *shipped) config(b testing.TB, id component.ID) (processor.Factory, component.Config) {
	b.Helper()
	f, ok := processorFactories[id.Type()]
	require.True(b, ok, "config.yaml uses processor %q: add its factory to processorFactories", id)
	cfg := f.CreateDefaultConfig()
	require.NoError(b, section(s.conf, "processors::"+id.String()).Unmarshal(cfg), id.String())
	if v, ok := cfg.(interface{ Validate() error }); ok {
		require.NoError(b, v.Validate(), id.String())
	}
	return f, cfg
}

// signal is what differs between traces, metrics and logs: how a processor
// of the signal is created, what a consumer's Consume is, how a request is
// copied and counted.
type signal struct {
	name    string
	create  func(f processor.Factory, set processor.Settings, cfg component.Config, next any) (any, error)
	sink    func() any
	consume func(c, data any) error
	copyOf  func(data any) any
	items   func(data any) int
}

var tracesSignal = signal{
	name: "traces",
	create: func(f processor.Factory, set processor.Settings, cfg component.Config, next any) (any, error) {
		return f.CreateTraces(context.Background(), set, cfg, next.(consumer.Traces))
	},
	sink:    func() any { return consumertest.NewNop() },
	consume: func(c, data any) error { return c.(consumer.Traces).ConsumeTraces(benchCtx, data.(ptrace.Traces)) },
	copyOf: func(data any) any {
		out := ptrace.NewTraces()
		data.(ptrace.Traces).CopyTo(out)
		return out
	},
	items: func(data any) int { return data.(ptrace.Traces).SpanCount() },
}

var metricsSignal = signal{
	name: "metrics",
	create: func(f processor.Factory, set processor.Settings, cfg component.Config, next any) (any, error) {
		return f.CreateMetrics(context.Background(), set, cfg, next.(consumer.Metrics))
	},
	sink:    func() any { return consumertest.NewNop() },
	consume: func(c, data any) error { return c.(consumer.Metrics).ConsumeMetrics(benchCtx, data.(pmetric.Metrics)) },
	copyOf: func(data any) any {
		out := pmetric.NewMetrics()
		data.(pmetric.Metrics).CopyTo(out)
		return out
	},
	items: func(data any) int { return data.(pmetric.Metrics).DataPointCount() },
}

var logsSignal = signal{
	name: "logs",
	create: func(f processor.Factory, set processor.Settings, cfg component.Config, next any) (any, error) {
		return f.CreateLogs(context.Background(), set, cfg, next.(consumer.Logs))
	},
	sink:    func() any { return consumertest.NewNop() },
	consume: func(c, data any) error { return c.(consumer.Logs).ConsumeLogs(benchCtx, data.(plog.Logs)) },
	copyOf: func(data any) any {
		out := plog.NewLogs()
		data.(plog.Logs).CopyTo(out)
		return out
	},
	items: func(data any) int { return data.(plog.Logs).LogRecordCount() },
}

// benchCtx carries the tenant of an authenticated request.
var benchCtx = client.NewContext(context.Background(), client.Info{Auth: tenant("bench")})

// chain builds ids in order in front of next, starts them last to first
// and stops them when b ends. It returns the first consumer.
func (s *shipped) chain(b testing.TB, sig signal, ids []component.ID, next any) any {
	b.Helper()
	for i := len(ids) - 1; i >= 0; i-- {
		f, cfg := s.config(b, ids[i])
		set := processortest.NewNopSettings(f.Type())
		set.ID = ids[i]
		p, err := sig.create(f, set, cfg, next)
		require.NoError(b, err, ids[i].String())
		c := p.(component.Component)
		require.NoError(b, c.Start(context.Background(), s.host), ids[i].String())
		b.Cleanup(func() { require.NoError(b, c.Shutdown(context.Background())) })
		next = p
	}
	return next
}

// workload is one traffic shape: a pool of distinct requests.
type workload struct {
	name string
	pool []any
}

// processCPU is the user and system CPU time of this process so far: the
// benchmark's own work and the goroutines it starts (batching, garbage
// collection), but not the other processes of a shared machine.
func processCPU(b testing.TB) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// run times every processor of the signal's pipeline alone, then the whole
// chain, on every workload, each next to the floor (the copy of the request
// into a consumer that does nothing). cpu-ns/item is the process's CPU time
// per span, data point or log record; x-floor is the ratio to the floor of the same workload.
func run(b *testing.B, sig signal, workloads []workload) {
	b.Helper()
	s := loadShipped(b)
	ids := s.pipeline(b, sig.name)
	for _, w := range workloads {
		items := 0
		for _, r := range w.pool {
			items += sig.items(r)
		}
		perRequest := float64(items) / float64(len(w.pool))
		var floor float64
		measure := func(name string, build func(b *testing.B) any) {
			b.Run(w.name+"/"+name, func(b *testing.B) {
				c := build(b)
				for i := range warmup { // caches, tables and the heap reach their steady size
					if err := sig.consume(c, sig.copyOf(w.pool[i%len(w.pool)])); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				start := processCPU(b)
				for i := range b.N {
					if err := sig.consume(c, sig.copyOf(w.pool[i%len(w.pool)])); err != nil {
						b.Fatal(err)
					}
				}
				perItem := float64((processCPU(b) - start).Nanoseconds()) / (float64(b.N) * perRequest)
				b.ReportMetric(perItem, "cpu-ns/item")
				if name == "floor" {
					floor = perItem
				}
				if floor > 0 { // the floor was measured (-bench did not filter it out)
					b.ReportMetric(perItem/floor, "x-floor")
				}
			})
		}
		measure("floor", func(*testing.B) any { return sig.sink() })
		for _, id := range ids {
			measure(id.String(), func(b *testing.B) any {
				b.Helper()
				return s.chain(b, sig, []component.ID{id}, sig.sink())
			})
		}
		measure("chain", func(b *testing.B) any {
			b.Helper()
			return s.chain(b, sig, ids, sig.sink())
		})
	}
}

// poolOf makes poolSize requests with request from the generator of cfg.
func poolOf[T any](cfg loadgen.Config, request func(*loadgen.Generator) T) []any {
	g := loadgen.New(cfg)
	out := make([]any, poolSize)
	for i := range out {
		out[i] = request(g)
	}
	return out
}

// poolSize requests of each workload are sent round robin, so caches see
// the variety of a stream rather than one request.
const poolSize = 32

// warmup requests go through every measured consumer before its timer starts.
const warmup = 2 * poolSize

// BenchmarkShippedTraces: the traces pipeline of config.yaml on the three
// workloads of make bench-e2e.
func BenchmarkShippedTraces(b *testing.B) {
	def := loadgen.DefaultConfig()
	wide := def
	wide.WideAttributes = 24
	narrow := def
	narrow.SpansPerTrace = 5
	traces := func(n int) func(*loadgen.Generator) ptrace.Traces {
		return func(g *loadgen.Generator) ptrace.Traces { return g.Traces(n) }
	}
	run(b, tracesSignal, []workload{
		{"default", poolOf(def, traces(10))},  // 100 spans per request
		{"wide", poolOf(wide, traces(50))},    // 500 spans of 29 to 32 attributes
		{"narrow", poolOf(narrow, traces(1))}, // 5 spans per request
	})
}

// BenchmarkShippedMetrics: the metrics pipeline (cardinality guard,
// aggregation) on the default series and on a high-cardinality stream.
func BenchmarkShippedMetrics(b *testing.B) {
	def := loadgen.DefaultConfig()
	high := def
	high.MetricSeries = 100000
	high.AttrCardinality = 100000
	points := func(n int) func(*loadgen.Generator) pmetric.Metrics {
		return func(g *loadgen.Generator) pmetric.Metrics { return g.Metrics(n) }
	}
	run(b, metricsSignal, []workload{
		{"default", poolOf(def, points(400))},
		{"high-cardinality", poolOf(high, points(1000))},
	})
}

// BenchmarkShippedLogs: the logs pipeline with personal data in records.
func BenchmarkShippedLogs(b *testing.B) {
	def := loadgen.DefaultConfig()
	def.PII = true
	logs := func(n int) func(*loadgen.Generator) plog.Logs {
		return func(g *loadgen.Generator) plog.Logs { return g.Logs(n) }
	}
	run(b, logsSignal, []workload{
		{"default", poolOf(def, logs(100))},
		{"narrow", poolOf(def, logs(5))},
	})
}
