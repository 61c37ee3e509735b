package attributefilterprocessor

import (
	"context"
	"runtime"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/attributesprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/filterprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/metadata"
)

const (
	benchSpans = 1000
	benchChunk = 1 // batches copied ahead of each timed run: one keeps the batch in cache, as a freshly decoded one is
)

// benchTraces builds one batch of benchSpans spans with 12 attributes each.
// Every tenth span is a health check; when withSecrets is set, every other
// span carries two credential keys.
func benchTraces(withSecrets bool) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	rs.Resource().Attributes().PutStr("deployment.environment", "production")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("net/http")
	for i := range benchSpans {
		s := ss.Spans().AppendEmpty()
		s.SetName("GET /orders")
		s.SetKind(ptrace.SpanKindServer)
		a := s.Attributes()
		route := "/orders"
		if i%10 == 0 {
			route = "/healthz"
		}
		a.PutStr("http.route", route)
		a.PutStr("http.request.method", "GET")
		a.PutInt("http.response.status_code", 200)
		a.PutStr("url.scheme", "https")
		a.PutStr("server.address", "checkout.internal")
		a.PutInt("server.port", 8443)
		a.PutStr("client.address", "10.1.2.3")
		a.PutStr("user_agent.original", "Mozilla/5.0")
		a.PutStr("network.protocol.version", "1.1")
		a.PutStr("thread.name", "worker-3")
		if withSecrets && i%2 == 1 {
			a.PutStr("password", "hunter2")
			a.PutStr("http.request.header.authorization", "Bearer abc")
		} else {
			a.PutStr("code.function", "handle")
			a.PutStr("code.namespace", "orders")
		}
	}
	return td
}

// The same record drops, in both processors' terms.
var (
	dropRules = []RuleConfig{
		{Matchers: []MatcherConfig{{Field: `attributes["http.route"]`, In: []any{"/healthz", "/readyz"}}}},
		{Matchers: []MatcherConfig{{Field: "span.name", Glob: ptr("GET /internal/*")}}},
		{Matchers: []MatcherConfig{{Field: `resource.attributes["service.name"]`, Exact: "canary"}}},
		{Matchers: []MatcherConfig{{Field: `attributes["http.response.status_code"]`, GTE: ptr(600.0)}}},
	}
	dropOTTL = []any{
		`attributes["http.route"] == "/healthz" or attributes["http.route"] == "/readyz"`,
		`IsMatch(name, "^GET /internal/.*")`,
		`resource.attributes["service.name"] == "canary"`,
		`attributes["http.response.status_code"] >= 600`,
	}
	deniedKeys = []string{"password", "http.request.header.authorization", "api.key", "session.token", "db.connection_string"}
)

func newBenchProcessor(b *testing.B, f processor.Factory, cfg component.Config) (consumer.Traces, *consumertest.TracesSink) {
	b.Helper()
	sink := new(consumertest.TracesSink)
	return newBenchStage(b, f, cfg, sink), sink
}

// newBenchStage starts one traces processor feeding next.
func newBenchStage(b *testing.B, f processor.Factory, cfg component.Config, next consumer.Traces) consumer.Traces {
	b.Helper()
	p, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(f.Type()), cfg, next)
	require.NoError(b, err)
	require.NoError(b, p.Start(context.Background(), componenttest.NewNopHost()))
	b.Cleanup(func() { require.NoError(b, p.Shutdown(context.Background())) })
	return p
}

func contribConfig(b *testing.B, f processor.Factory, raw map[string]any) component.Config {
	b.Helper()
	cfg := f.CreateDefaultConfig()
	require.NoError(b, confmap.NewFromStringMap(raw).Unmarshal(cfg))
	require.NoError(b, confmap.Validate(cfg))
	return cfg
}

// runBench feeds a fresh copy of td to p per iteration (as a receiver hands
// over a freshly decoded batch). The copies are made with the timer stopped,
// benchChunk at a time, so only ConsumeTraces is timed.
func runBench(b *testing.B, p consumer.Traces, sink *consumertest.TracesSink, td ptrace.Traces, wantSpans int) {
	b.Helper()
	ctx := context.Background()
	copies := make([]ptrace.Traces, benchChunk)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		b.StopTimer()
		sink.Reset()
		n := min(benchChunk, b.N-done)
		for i := range n {
			copies[i] = ptrace.NewTraces()
			td.CopyTo(copies[i])
		}
		// The copies' garbage is collected before the timer starts, so a
		// collection the harness's copying caused does not run (and take a
		// core) while the processor is timed; the processor's own
		// allocations still cost their collections inside the timer.
		runtime.GC()
		b.StartTimer()
		for i := range n {
			if err := p.ConsumeTraces(ctx, copies[i]); err != nil {
				b.Fatal(err)
			}
		}
		done += n
	}
	b.StopTimer()
	got := sink.AllTraces()
	if len(got) == 0 || got[len(got)-1].SpanCount() != wantSpans {
		b.Fatalf("kept %d batches, want batches of %d spans", len(got), wantSpans)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchSpans, "ns/span")
}

// BenchmarkRecordDrop compares record drop rules with contrib filter's OTTL
// conditions on the same batch (1000 spans, 10% dropped).
func BenchmarkRecordDrop(b *testing.B) {
	td := benchTraces(false)
	want := benchSpans - benchSpans/10
	b.Run("attribute_filter", func(b *testing.B) {
		cfg := createDefaultConfig().(*Config)
		cfg.Drop.DropIfAny = dropRules
		p, sink := newBenchProcessor(b, NewFactory(), cfg)
		runBench(b, p, sink, td, want)
	})
	b.Run("contrib_filter", func(b *testing.B) {
		f := filterprocessor.NewFactory()
		cfg := contribConfig(b, f, map[string]any{"error_mode": "ignore", "traces": map[string]any{"span": dropOTTL}})
		p, sink := newBenchProcessor(b, f, cfg)
		runBench(b, p, sink, td, want)
	})
}

// BenchmarkKeyDeny compares a record-level deny list with contrib
// attributes' delete actions on the same keys (half the spans carry two of them).
func BenchmarkKeyDeny(b *testing.B) {
	td := benchTraces(true)
	b.Run("attribute_filter", func(b *testing.B) {
		cfg := createDefaultConfig().(*Config)
		cfg.Keys.Record.Deny = deniedKeys
		p, sink := newBenchProcessor(b, NewFactory(), cfg)
		runBench(b, p, sink, td, benchSpans)
	})
	b.Run("contrib_attributes", func(b *testing.B) {
		f := attributesprocessor.NewFactory()
		actions := make([]any, len(deniedKeys))
		for i, k := range deniedKeys {
			actions[i] = map[string]any{"key": k, "action": "delete"}
		}
		cfg := contribConfig(b, f, map[string]any{"actions": actions})
		p, sink := newBenchProcessor(b, f, cfg)
		runBench(b, p, sink, td, benchSpans)
	})
}

// BenchmarkUnchanged measures a batch where every rule and key list is
// tested and nothing changes: allocations per op do not grow with the spans.
// The batch is processed in place, again and again (nothing changes, so every
// pass does the same work). walk_keys_values is the floor on the same batch:
// it reads every attribute key and value of every span once and does nothing else.
func BenchmarkUnchanged(b *testing.B) {
	td := benchTraces(false)
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().RemoveIf(func(s ptrace.Span) bool {
		v, _ := s.Attributes().Get("http.route")
		return v.Str() == "/healthz"
	})
	spans := float64(td.SpanCount())
	b.Run("attribute_filter", func(b *testing.B) {
		cfg := createDefaultConfig().(*Config)
		cfg.Drop.DropIfAny = dropRules
		cfg.Keys.Record.Deny = deniedKeys
		cfg.Limits.MaxStringLength = 4096
		f, err := newFilter(processortest.NewNopSettings(metadata.Type), cfg, fixedClock())
		require.NoError(b, err)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.processTraces(ctx, td); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/spans, "ns/span")
	})
	b.Run("walk_keys_values", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n += walkTraces(td, true)
		}
		require.Positive(b, n)
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/spans, "ns/span")
	})
}

// BenchmarkBaseline is what every processor above pays without doing any
// work, in the same harness (a fresh copy per iteration):
//   - untouched: attribute_filter with nothing configured returns the batch
//     as it is; left is the pipeline's own cost (item counting in processorhelper);
//   - walk_keys: a processor that reads every attribute key of every span
//     once, the memory any key list has to touch;
//   - walk_keys_values: the same, reading every value's type and string length too.
func BenchmarkBaseline(b *testing.B) {
	td := benchTraces(true)
	b.Run("untouched", func(b *testing.B) {
		p, sink := newBenchProcessor(b, NewFactory(), createDefaultConfig())
		runBench(b, p, sink, td, benchSpans)
	})
	for _, values := range []bool{false, true} {
		name := "walk_keys"
		if values {
			name = "walk_keys_values"
		}
		b.Run(name, func(b *testing.B) {
			sink := new(consumertest.TracesSink)
			n := 0
			p, err := processorhelper.NewTraces(context.Background(), processortest.NewNopSettings(metadata.Type), createDefaultConfig(), sink,
				func(_ context.Context, td ptrace.Traces) (ptrace.Traces, error) {
					n += walkTraces(td, values)
					return td, nil
				}, capabilities)
			require.NoError(b, err)
			runBench(b, p, sink, td, benchSpans)
			require.Positive(b, n)
		})
	}
}

// walkTraces reads every resource, scope and span attribute key (and, with
// values, every value's type and string length) and returns a sum of what
// it read, so that nothing is optimised away.
func walkTraces(td ptrace.Traces, values bool) int {
	n := 0
	walk := func(m pcommon.Map) {
		for k, v := range m.All() {
			n += len(k)
			if values && v.Type() == pcommon.ValueTypeStr {
				n += len(v.Str())
			}
		}
	}
	for _, rs := range td.ResourceSpans().All() {
		walk(rs.Resource().Attributes())
		for _, ss := range rs.ScopeSpans().All() {
			walk(ss.Scope().Attributes())
			for _, s := range ss.Spans().All() {
				walk(s.Attributes())
			}
		}
	}
	return n
}

// chainAllowed are the keys the chain keeps on every level: the contrib
// chain lists them once for redaction, attribute_filter allows them per level.
var chainAllowed = []string{
	"service.name", "deployment.environment", "http.route", "http.request.method",
	"http.response.status_code", "url.scheme", "server.address", "server.port", "thread.name",
}

// BenchmarkChain compares one attribute_filter with the contrib chain an
// operator builds for the same job, in the same run on the same batch:
// filter (OTTL drops) -> attributes (delete the credential keys) ->
// redaction (allow-listed keys). Both keep the same 900 spans with the same keys.
func BenchmarkChain(b *testing.B) {
	td := benchTraces(true)
	want := benchSpans - benchSpans/10
	b.Run("attribute_filter", func(b *testing.B) {
		cfg := createDefaultConfig().(*Config)
		cfg.Drop.DropIfAny = dropRules
		cfg.Keys.Resource.Allow = chainAllowed
		cfg.Keys.Scope.Allow = chainAllowed
		cfg.Keys.Record.Allow = chainAllowed
		p, sink := newBenchProcessor(b, NewFactory(), cfg)
		runBench(b, p, sink, td, want)
	})
	b.Run("contrib_filter_attributes_redaction", func(b *testing.B) {
		sink := new(consumertest.TracesSink)
		rf := redactionprocessor.NewFactory()
		redaction := newBenchStage(b, rf, contribConfig(b, rf, map[string]any{
			"allow_all_keys": false,
			"allowed_keys":   toAny(chainAllowed),
		}), sink)
		af := attributesprocessor.NewFactory()
		actions := make([]any, len(deniedKeys))
		for i, k := range deniedKeys {
			actions[i] = map[string]any{"key": k, "action": "delete"}
		}
		attrs := newBenchStage(b, af, contribConfig(b, af, map[string]any{"actions": actions}), redaction)
		ff := filterprocessor.NewFactory()
		filter := newBenchStage(b, ff, contribConfig(b, ff, map[string]any{"error_mode": "ignore", "traces": map[string]any{"span": dropOTTL}}), attrs)
		runBench(b, filter, sink, td, want)
	})
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// shippedConfig is the attribute_filter section of the repository's
// config.yaml, the gateway operators run.
func shippedConfig(b *testing.B) *Config {
	b.Helper()
	cm, err := confmaptest.LoadConf("../../config.yaml")
	require.NoError(b, err)
	sub, err := cm.Sub("processors::attribute_filter")
	require.NoError(b, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(b, sub.Unmarshal(cfg))
	require.NoError(b, cfg.Validate())
	return cfg
}

// BenchmarkShippedConfig measures each part of config.yaml's attribute_filter
// on the benchmark batch (half the spans carry two denied keys; every third
// span one key its deny_regex removes), against the untouched floor:
//   - keys: the record deny list with its deny_regex, as shipped;
//   - drops: the two drop_if_any rules (health-check routes, kube-probe agents);
//   - limits: max_string_length and max_array_length;
//   - all: the whole section (the cardinality guard acts on metrics only).
func BenchmarkShippedConfig(b *testing.B) {
	td := benchTraces(true)
	for i, s := range td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().All() {
		if i%3 == 0 {
			s.Attributes().PutStr("x-api-key", "k")
		}
	}
	shipped := shippedConfig(b)
	want := benchSpans - benchSpans/10
	cases := []struct {
		name string
		cfg  func() *Config
		want int
	}{
		{"untouched", func() *Config { return createDefaultConfig().(*Config) }, benchSpans},
		{"keys", func() *Config {
			c := createDefaultConfig().(*Config)
			c.Keys = shipped.Keys
			return c
		}, benchSpans},
		{"drops", func() *Config {
			c := createDefaultConfig().(*Config)
			c.Drop = shipped.Drop
			return c
		}, want},
		{"limits", func() *Config {
			c := createDefaultConfig().(*Config)
			c.Limits = shipped.Limits
			return c
		}, benchSpans},
		{"all", func() *Config { return shipped }, want},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			p, sink := newBenchProcessor(b, NewFactory(), c.cfg())
			runBench(b, p, sink, td, c.want)
		})
	}
}
