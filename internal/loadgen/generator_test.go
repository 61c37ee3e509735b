package loadgen

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func testConfig(seed int64) Config {
	c := DefaultConfig()
	c.Seed = seed
	c.PII = true
	return c
}

// spanRef is a span with the resource it was found under.
type spanRef struct {
	res  pcommon.Resource
	span ptrace.Span
}

func allSpans(td ptrace.Traces) []spanRef {
	var out []spanRef
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				out = append(out, spanRef{rs.Resource(), s})
			}
		}
	}
	return out
}

func TestTracesSameSeedSameData(t *testing.T) {
	for _, seed := range []int64{0, 1, 42, -7} {
		a := New(testConfig(seed)).Traces(200)
		b := New(testConfig(seed)).Traces(200)
		if err := ptracetest.CompareTraces(a, b); err != nil {
			t.Fatalf("seed %d: two generators differ: %v", seed, err)
		}
	}
}

func TestTracesDifferentSeedsDiffer(t *testing.T) {
	a := New(testConfig(1)).Traces(100)
	b := New(testConfig(2)).Traces(100)
	if err := ptracetest.CompareTraces(a, b); err == nil {
		t.Fatal("seeds 1 and 2 produced equal traces")
	}
	ids := map[pcommon.TraceID]bool{}
	for _, s := range allSpans(a) {
		ids[s.span.TraceID()] = true
	}
	for _, s := range allSpans(b) {
		if ids[s.span.TraceID()] {
			t.Fatalf("trace ID %s appears under both seeds", s.span.TraceID())
		}
	}
}

// The stream does not depend on how it is cut into calls.
func TestTracesStreamIndependentOfBatching(t *testing.T) {
	whole := New(testConfig(5)).Traces(30)
	g := New(testConfig(5))
	parts := []ptrace.Traces{g.Traces(7), g.Traces(0), g.Traces(23)}
	key := func(r spanRef) string {
		b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(singleSpan(r))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := map[string]int{}
	for _, s := range allSpans(whole) {
		want[key(s)]++
	}
	got := map[string]int{}
	for _, p := range parts {
		for _, s := range allSpans(p) {
			got[key(s)]++
		}
	}
	if len(want) != 30*10 || len(got) != len(want) {
		t.Fatalf("distinct spans: whole %d, parts %d, want %d", len(want), len(got), 300)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatal("a span of the whole stream is missing from the parts")
		}
	}
}

func singleSpan(r spanRef) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	r.res.CopyTo(rs.Resource())
	r.span.CopyTo(rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty())
	return td
}

func TestTracesShape(t *testing.T) {
	for _, k := range []int{1, 2, 3, 10, 17} {
		for _, n := range []int{1, 7, 150} {
			cfg := testConfig(int64(k*1000 + n))
			cfg.SpansPerTrace = k
			cfg.ErrorShare = 0.3
			td := New(cfg).Traces(n)
			if got := td.SpanCount(); got != n*k {
				t.Fatalf("k=%d n=%d: %d spans, want %d", k, n, got, n*k)
			}
			checkTrees(t, td, n, k)
		}
	}
}

// checkTrees asserts n traces of k spans, each a tree with one SERVER root,
// children inside their parent's time interval, and semantic-convention
// attributes on every span.
func checkTrees(t *testing.T, td ptrace.Traces, n, k int) {
	t.Helper()
	byTrace := map[pcommon.TraceID]map[pcommon.SpanID]ptrace.Span{}
	for _, r := range allSpans(td) {
		for _, key := range []string{"service.name", "service.version", "deployment.environment", "host.name", "k8s.namespace.name", "k8s.pod.name"} {
			if _, ok := r.res.Attributes().Get(key); !ok {
				t.Fatalf("resource lacks %s", key)
			}
		}
		m := byTrace[r.span.TraceID()]
		if m == nil {
			m = map[pcommon.SpanID]ptrace.Span{}
			byTrace[r.span.TraceID()] = m
		}
		if _, dup := m[r.span.SpanID()]; dup {
			t.Fatalf("duplicate span ID %s", r.span.SpanID())
		}
		m[r.span.SpanID()] = r.span
		checkSpanAttrs(t, r.span)
	}
	if len(byTrace) != n {
		t.Fatalf("%d distinct trace IDs, want %d", len(byTrace), n)
	}
	for id, spans := range byTrace {
		if len(spans) != k {
			t.Fatalf("trace %s has %d spans, want %d", id, len(spans), k)
		}
		roots := 0
		for _, s := range spans {
			if s.ParentSpanID().IsEmpty() {
				roots++
				if s.Kind() != ptrace.SpanKindServer {
					t.Fatalf("root kind %s", s.Kind())
				}
				continue
			}
			p, ok := spans[s.ParentSpanID()]
			if !ok {
				t.Fatalf("span %s has a parent outside its trace", s.SpanID())
			}
			if s.StartTimestamp() < p.StartTimestamp() || s.EndTimestamp() > p.EndTimestamp() || s.EndTimestamp() < s.StartTimestamp() {
				t.Fatalf("span %q [%d,%d] not inside parent %q [%d,%d]", s.Name(), s.StartTimestamp(), s.EndTimestamp(), p.Name(), p.StartTimestamp(), p.EndTimestamp())
			}
		}
		if roots != 1 {
			t.Fatalf("trace %s has %d roots", id, roots)
		}
	}
}

func checkSpanAttrs(t *testing.T, s ptrace.Span) {
	t.Helper()
	var want []string
	switch {
	case s.Kind() == ptrace.SpanKindServer:
		want = []string{"http.request.method", "http.route", "http.response.status_code", "url.path", "server.address"}
	case hasAttr(s, "db.system"):
		want = []string{"db.system", "db.query.text", "db.operation.name", "server.address"}
	default:
		want = []string{"http.request.method", "url.full", "server.address", "http.response.status_code"}
	}
	for _, k := range want {
		if !hasAttr(s, k) {
			t.Fatalf("%s span %q lacks %s", s.Kind(), s.Name(), k)
		}
	}
}

func hasAttr(s ptrace.Span, k string) bool {
	_, ok := s.Attributes().Get(k)
	return ok
}

type traceFacts struct {
	error, slow, health, staging bool
}

func factsByTrace(td ptrace.Traces) map[pcommon.TraceID]*traceFacts {
	out := map[pcommon.TraceID]*traceFacts{}
	for _, r := range allSpans(td) {
		f := out[r.span.TraceID()]
		if f == nil {
			f = &traceFacts{}
			out[r.span.TraceID()] = f
		}
		s := r.span
		if s.Status().Code() == ptrace.StatusCodeError {
			f.error = true
		}
		if s.ParentSpanID().IsEmpty() {
			f.slow = time.Duration(s.EndTimestamp()-s.StartTimestamp()) >= 2*time.Second
			route, _ := s.Attributes().Get("http.route")
			f.health = route.Str() == HealthCheckRoute
			env, _ := r.res.Attributes().Get("deployment.environment")
			f.staging = env.Str() == "staging"
		}
	}
	return out
}

func TestTraceShares(t *testing.T) {
	const n = 10000
	for seed := int64(1); seed <= 3; seed++ {
		cfg := testConfig(seed)
		cfg.SpansPerTrace = 3
		cfg.ErrorShare, cfg.SlowShare, cfg.HealthCheckShare = 0.1, 0.05, 0.2
		facts := factsByTrace(New(cfg).Traces(n))
		if len(facts) != n {
			t.Fatalf("%d traces, want %d", len(facts), n)
		}
		var errs, slow, health, staging int
		for _, f := range facts {
			if f.error {
				errs++
			}
			if f.slow {
				slow++
			}
			if f.health {
				health++
				if f.error || f.slow {
					t.Fatal("a health-check trace is also an error or slow trace")
				}
			}
			if f.staging {
				staging++
			}
		}
		// The categories follow a low-discrepancy sequence: within 5 traces
		// of the share, far inside the ±1% a random draw would need.
		within(t, "error", errs, n, 0.1, 0.0005)
		within(t, "slow", slow, n, 0.05, 0.0005)
		within(t, "health check", health, n, 0.2, 0.0005)
		within(t, "staging", staging, n, stagingShare, 0.015)
	}
}

func within(t *testing.T, what string, got, n int, share, tol float64) {
	t.Helper()
	if s := float64(got) / float64(n); math.Abs(s-share) > tol {
		t.Fatalf("%s share %.4f, want %.4f ± %.4f", what, s, share, tol)
	}
}

func TestErrorTracesCarryExceptionEvent(t *testing.T) {
	cfg := testConfig(9)
	cfg.ErrorShare, cfg.HealthCheckShare = 1, 0
	td := New(cfg).Traces(100)
	withEvent := map[pcommon.TraceID]bool{}
	for _, r := range allSpans(td) {
		for _, ev := range r.span.Events().All() {
			if ev.Name() == "exception" && r.span.Status().Code() == ptrace.StatusCodeError {
				if _, ok := ev.Attributes().Get("exception.type"); ok {
					withEvent[r.span.TraceID()] = true
				}
			}
		}
		if r.span.ParentSpanID().IsEmpty() {
			code, _ := r.span.Attributes().Get("http.response.status_code")
			if r.span.Status().Code() != ptrace.StatusCodeError || code.Int() != 500 {
				t.Fatalf("error trace root has status %s and HTTP %d", r.span.Status().Code(), code.Int())
			}
		}
	}
	if len(withEvent) != 100 {
		t.Fatalf("%d of 100 error traces have an error span with an exception event", len(withEvent))
	}
}

func TestServicesAndCardinality(t *testing.T) {
	cfg := testConfig(3)
	cfg.Services = 10
	cfg.AttrCardinality = 5
	td := New(cfg).Traces(2000)
	services := map[string]bool{}
	users := map[string]bool{}
	emails := map[string]bool{}
	for _, r := range allSpans(td) {
		v, _ := r.res.Attributes().Get("service.name")
		services[v.Str()] = true
		if u, ok := r.span.Attributes().Get("user.id"); ok {
			users[u.Str()] = true
		}
		if e, ok := r.span.Attributes().Get("user.email"); ok {
			emails[e.Str()] = true
			if !strings.HasSuffix(e.Str(), "@example.com") {
				t.Fatalf("user.email %q", e.Str())
			}
		}
	}
	want := []string{"checkout", "cart", "payment", "frontend", "inventory", "shipping", "auth", "search", "service-9", "service-10"}
	if len(services) != len(want) {
		t.Fatalf("services %v, want %v", services, want)
	}
	for _, s := range want {
		if !services[s] {
			t.Fatalf("service %q never appears (got %v)", s, services)
		}
	}
	if len(users) != 5 || len(emails) != 5 {
		t.Fatalf("%d user.id and %d user.email values, want 5 each", len(users), len(emails))
	}

	cfg.PII = false
	for _, r := range allSpans(New(cfg).Traces(500)) {
		for _, k := range []string{"user.id", "user.email", "client.address"} {
			if hasAttr(r.span, k) {
				t.Fatalf("PII off but a span has %s", k)
			}
		}
	}
}

func TestZeroAndInvalidConfig(t *testing.T) {
	g := New(Config{Services: -1, SpansPerTrace: -5, AttrCardinality: 0, MetricSeries: -1,
		ErrorShare: math.NaN(), SlowShare: 7, HealthCheckShare: -1})
	if got := g.Traces(10).SpanCount(); got != 10 {
		t.Fatalf("%d spans, want 10 (one per trace)", got)
	}
	if got := g.Traces(-3).SpanCount(); got != 0 {
		t.Fatalf("Traces(-3) has %d spans", got)
	}
	if got := g.Metrics(-1).DataPointCount(); got != 0 {
		t.Fatalf("Metrics(-1) has %d points", got)
	}
	if got := g.Logs(0).LogRecordCount(); got != 0 {
		t.Fatalf("Logs(0) has %d records", got)
	}
	huge := New(Config{Services: math.MaxInt, SpansPerTrace: math.MaxInt, MetricSeries: math.MaxInt, AttrCardinality: math.MaxInt}).Config()
	if huge.Services != 1000 || huge.SpansPerTrace != 10_000 || huge.MetricSeries != 1_000_000 {
		t.Fatalf("huge values not bounded: %+v", huge)
	}
	c := g.Config()
	if c.Services != 1 || c.SpansPerTrace != 1 || c.AttrCardinality != 1 || c.MetricSeries != 1 ||
		c.ErrorShare != 0 || c.SlowShare != 1 || c.HealthCheckShare != 0 || !c.Start.Equal(DefaultStart) {
		t.Fatalf("corrected config %+v", c)
	}
}

func TestMetrics(t *testing.T) {
	cfg := testConfig(4)
	cfg.MetricSeries = 7
	for _, points := range []int{1, 5, 28, 1000} {
		md := New(cfg).Metrics(points)
		if got := md.DataPointCount(); got != points {
			t.Fatalf("Metrics(%d) holds %d points", points, got)
		}
	}
	a, b := New(cfg).Metrics(500), New(cfg).Metrics(500)
	if err := pmetrictest.CompareMetrics(a, b); err != nil {
		t.Fatalf("same seed, different metrics: %v", err)
	}
	cfg2 := cfg
	cfg2.Seed++
	if err := pmetrictest.CompareMetrics(a, New(cfg2).Metrics(500)); err == nil {
		t.Fatal("different seeds, equal metrics")
	}

	// Three rounds of 4 metrics x 7 series, in three calls.
	g := New(cfg)
	series := map[string]map[string]int{} // metric -> series key -> points
	lastCumulative := map[string]int64{}
	for range 3 {
		md := g.Metrics(4 * 7)
		for _, rm := range md.ResourceMetrics().All() {
			pod, _ := rm.Resource().Attributes().Get("k8s.pod.name")
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					if series[m.Name()] == nil {
						series[m.Name()] = map[string]int{}
					}
					switch m.Type() {
					case pmetric.MetricTypeSum:
						for _, dp := range m.Sum().DataPoints().All() {
							key := pod.Str() + seriesKey(dp.Attributes())
							series[m.Name()][key]++
							if m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityCumulative {
								if dp.IntValue() <= lastCumulative[key] {
									t.Fatalf("cumulative series %s went from %d to %d", key, lastCumulative[key], dp.IntValue())
								}
								lastCumulative[key] = dp.IntValue()
							}
						}
					case pmetric.MetricTypeGauge:
						for _, dp := range m.Gauge().DataPoints().All() {
							series[m.Name()][pod.Str()+seriesKey(dp.Attributes())]++
						}
					case pmetric.MetricTypeHistogram:
						for _, dp := range m.Histogram().DataPoints().All() {
							series[m.Name()][pod.Str()+seriesKey(dp.Attributes())]++
							var sum uint64
							for _, c := range dp.BucketCounts().All() {
								sum += c
							}
							if sum != dp.Count() || dp.BucketCounts().Len() != dp.ExplicitBounds().Len()+1 {
								t.Fatalf("histogram buckets sum to %d, count %d", sum, dp.Count())
							}
						}
					default:
						t.Fatalf("unexpected metric type %s", m.Type())
					}
				}
			}
		}
	}
	if len(series) != 4 {
		t.Fatalf("metrics %v, want 4", series)
	}
	for name, s := range series {
		if len(s) != 7 {
			t.Fatalf("%s has %d series, want 7", name, len(s))
		}
		for key, n := range s {
			if n != 3 {
				t.Fatalf("%s series %s has %d points, want 3", name, key, n)
			}
		}
	}
}

func seriesKey(a pcommon.Map) string {
	var b strings.Builder
	for k, v := range a.All() {
		b.WriteString("|" + k + "=" + v.AsString())
	}
	return b.String()
}

func TestLogs(t *testing.T) {
	cfg := testConfig(6)
	cfg.ErrorShare = 0.2
	const n = 5000
	for _, k := range []int{1, 3, 77} {
		if got := New(cfg).Logs(k).LogRecordCount(); got != k {
			t.Fatalf("Logs(%d) holds %d records", k, got)
		}
	}
	logs := New(cfg).Logs(n)
	if err := plogtest.CompareLogs(logs, New(cfg).Logs(n)); err != nil {
		t.Fatalf("same seed, different logs: %v", err)
	}

	// Records with a trace context point at the root span of a trace of the
	// same seed; records of error traces are ERROR.
	facts := factsByTrace(New(cfg).Traces(n))
	roots := map[pcommon.TraceID]pcommon.SpanID{}
	for _, r := range allSpans(New(cfg).Traces(n)) {
		if r.span.ParentSpanID().IsEmpty() {
			roots[r.span.TraceID()] = r.span.SpanID()
		}
	}
	withTrace, errorsN, pii := 0, 0, 0
	for _, rl := range logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if lr.Body().Str() == "" || lr.SeverityText() == "" {
					t.Fatal("log record without body or severity text")
				}
				if lr.SeverityNumber() == plog.SeverityNumberError {
					errorsN++
				}
				if _, ok := lr.Attributes().Get("user.email"); ok {
					pii++
				}
				if lr.TraceID().IsEmpty() {
					continue
				}
				withTrace++
				root, ok := roots[lr.TraceID()]
				if !ok || root != lr.SpanID() {
					t.Fatalf("log record points at trace %s span %s, not a generated root", lr.TraceID(), lr.SpanID())
				}
				if facts[lr.TraceID()].error && lr.SeverityNumber() != plog.SeverityNumberError {
					t.Fatalf("log of an error trace has severity %s", lr.SeverityText())
				}
			}
		}
	}
	within(t, "logs with trace context", withTrace, n, logTraceShare, 0.03)
	if errorsN == 0 || pii != n {
		t.Fatalf("%d ERROR records, %d of %d with user.email", errorsN, pii, n)
	}
}
