package enrichmentprocessor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/attributesprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/transformprocessor"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/processor/enrichmentprocessor/internal/source"
	"github.com/otelgate/otelgate/processor/enrichmentprocessor/internal/table"
)

var benchServices = []string{"checkout", "cart", "payment", "frontend", "inventory", "shipping", "auth", "search"}

// benchTraces: resources × spansPer spans, each span with five attributes.
func benchTraces(resources, spansPer int) ptrace.Traces {
	td := ptrace.NewTraces()
	for r := range resources {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", benchServices[r%len(benchServices)])
		rs.Resource().Attributes().PutStr("host.name", fmt.Sprintf("node-%d", r))
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		for s := range spansPer {
			span := spans.AppendEmpty()
			span.SetName("GET /api/v1/items")
			a := span.Attributes()
			a.PutStr("http.request.method", "GET")
			a.PutStr("http.route", "/api/v1/items")
			a.PutInt("http.response.status_code", 200)
			a.PutStr("server.address", "shop.example.com")
			a.PutInt("seq", int64(s))
		}
	}
	return td
}

func newTracesProcessor(b *testing.B, f processor.Factory, cfg map[string]any) processor.Traces {
	b.Helper()
	c := f.CreateDefaultConfig()
	require.NoError(b, confmap.NewFromStringMap(cfg).Unmarshal(c))
	p, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(f.Type()), c, consumertest.NewNop())
	require.NoError(b, err)
	require.NoError(b, p.Start(context.Background(), componenttest.NewNopHost()))
	b.Cleanup(func() { require.NoError(b, p.Shutdown(context.Background())) })
	return p
}

// runTraces feeds a fresh copy of tmpl per iteration, so inserts always find
// the attributes absent. The copies are made in chunks outside the timer.
func runTraces(b *testing.B, p processor.Traces, tmpl ptrace.Traces) {
	b.Helper()
	const chunk = 128
	copies := make([]ptrace.Traces, chunk)
	refill := func() {
		for i := range copies {
			copies[i] = ptrace.NewTraces()
			tmpl.CopyTo(copies[i])
		}
	}
	refill()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%chunk == 0 && i > 0 {
			b.StopTimer()
			refill()
			b.StartTimer()
		}
		if err := p.ConsumeTraces(context.Background(), copies[i%chunk]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tmpl.SpanCount()), "ns/span")
}

var staticInserts = []struct{ key, value string }{
	{"deployment.environment.name", "production"},
	{"cloud.region", "eu-west-1"},
	{"k8s.cluster.name", "prod-eu-1"},
	{"otelgate.gateway", "otelgate-0"},
}

// BenchmarkStaticInsert: four insert actions on every span attribute map,
// enrichment's static source against contrib attributes.
func BenchmarkStaticInsert(b *testing.B) {
	tmpl := benchTraces(1, 100)
	var static, actions []any
	for _, s := range staticInserts {
		static = append(static, map[string]any{"key": s.key, "value": s.value, "action": "insert", "level": "record"})
		actions = append(actions, map[string]any{"key": s.key, "value": s.value, "action": "insert"})
	}
	b.Run("enrichment", func(b *testing.B) {
		runTraces(b, newTracesProcessor(b, NewFactory(), map[string]any{"static": static}), tmpl)
	})
	b.Run("contrib_attributes", func(b *testing.B) {
		runTraces(b, newTracesProcessor(b, attributesprocessor.NewFactory(), map[string]any{"actions": actions}), tmpl)
	})
}

func writeBenchTable(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "ownership.csv")
	content := "service.name,team,owner,tier,cost_center\n"
	for i, s := range benchServices {
		content += fmt.Sprintf("%s,team-%d,owner-%d@example.com,%d,CC-%04d\n", s, i, i, i%3+1, 1000+i)
	}
	require.NoError(b, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// BenchmarkLookup: four ownership columns keyed by service.name on every
// resource, enrichment's lookup against the closest contrib pipeline, a
// transform with one conditional set() per service and column.
func BenchmarkLookup(b *testing.B) {
	tmpl := benchTraces(16, 4)
	path := writeBenchTable(b)
	b.Run("enrichment", func(b *testing.B) {
		runTraces(b, newTracesProcessor(b, NewFactory(), map[string]any{"lookups": []any{
			map[string]any{"file": path, "key": []any{"service.name"}},
		}}), tmpl)
	})
	b.Run("contrib_transform", func(b *testing.B) {
		var stmts []any
		for i, s := range benchServices {
			cond := fmt.Sprintf(` where resource.attributes["service.name"] == %q`, s)
			stmts = append(stmts,
				fmt.Sprintf(`set(resource.attributes["team"], "team-%d")`, i)+cond,
				fmt.Sprintf(`set(resource.attributes["owner"], "owner-%d@example.com")`, i)+cond,
				fmt.Sprintf(`set(resource.attributes["tier"], "%d")`, i%3+1)+cond,
				fmt.Sprintf(`set(resource.attributes["cost_center"], "CC-%04d")`, 1000+i)+cond,
			)
		}
		runTraces(b, newTracesProcessor(b, transformprocessor.NewFactory(), map[string]any{
			"error_mode":       "ignore",
			"trace_statements": []any{map[string]any{"context": "resource", "statements": stmts}},
		}), tmpl)
	})
}

// BenchmarkLookupHit is one lookup on one attribute map against writing the
// same four attributes as static values: the difference is the lookup's cost,
// and the allocations are the same (those of the attribute writes).
func BenchmarkLookupHit(b *testing.B) {
	path := writeBenchTable(b)
	f, err := table.Open(path, table.Spec{Format: table.FormatCSV, KeyColumns: []string{"service.name"}})
	require.NoError(b, err)
	lookup := source.NewLookup(0, source.LevelResource, []string{"service.name"}, source.Upsert, f)
	row := f.Table().Lookup([]string{"payment"})
	var attrs []source.StaticAttribute
	for _, a := range row.Attrs {
		attrs = append(attrs, source.StaticAttribute{Key: a.Key, Value: a.Value, Action: source.Upsert})
	}
	static := source.NewStatic(source.LevelResource, attrs)
	for _, c := range []struct {
		name string
		b    source.Binding
	}{{"lookup", lookup}, {"static_same_attributes", static}} {
		b.Run(c.name, func(b *testing.B) {
			st := source.Stats{Hits: make([]int64, 1), Misses: make([]int64, 1)}
			maps := make([]pcommon.Map, 1024)
			reset := func() {
				for i := range maps {
					maps[i] = pcommon.NewMap()
					maps[i].EnsureCapacity(8)
					maps[i].PutStr("service.name", "payment")
				}
			}
			reset()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if i%len(maps) == 0 && i > 0 {
					b.StopTimer()
					reset()
					b.StartTimer()
				}
				m := maps[i%len(maps)]
				c.b.Apply(m, m, &st)
			}
		})
	}
}

// TestLookupHitAllocatesOnlyTheWrites: a lookup hit allocates exactly what
// writing the same attributes as static values allocates, nothing more.
func TestLookupHitAllocatesOnlyTheWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "own.csv")
	require.NoError(t, os.WriteFile(path, []byte("service.name,http.route,team,tier\npayment,/pay,payments,1\n"), 0o600))
	for _, keys := range [][]string{{"service.name"}, {"service.name", "http.route"}} {
		spec := table.Spec{Format: table.FormatCSV, KeyColumns: keys}
		f, err := table.Open(path, spec)
		require.NoError(t, err)
		lookup := source.NewLookup(0, source.LevelResource, keys, source.Upsert, f)
		static := source.NewStatic(source.LevelResource, []source.StaticAttribute{{Key: "team", Value: "payments"}, {Key: "tier", Value: "1"}})
		st := source.Stats{Hits: make([]int64, 1), Misses: make([]int64, 1)}
		measure := func(b source.Binding) float64 {
			return testing.AllocsPerRun(200, func() {
				m := pcommon.NewMap()
				m.EnsureCapacity(4)
				m.PutStr("service.name", "payment")
				m.PutStr("http.route", "/pay")
				b.Apply(m, m, &st)
			})
		}
		staticAllocs, lookupAllocs := measure(static), measure(lookup)
		require.Positive(t, st.Hits[0], "the measured path is a hit")
		require.Zero(t, st.Misses[0])
		require.Equal(t, staticAllocs, lookupAllocs, "keys %v", keys)
	}
}
