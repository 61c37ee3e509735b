package attributefilterprocessor

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/metadata"
)

// FuzzCompileRules: any matcher configuration either fails validation with
// an error naming the rule, or compiles into rules that test records without panicking.
func FuzzCompileRules(f *testing.F) {
	f.Add(`attributes["http.route"]`, uint8(0), "/healthz", "spans")
	f.Add("span.name", uint8(2), "GET /health*", "")
	f.Add("log.body", uint8(3), `(?i)kube-probe/\d`, "logs")
	f.Add(`resource.attributes["deployment.environment"]`, uint8(1), "production", "datapoints")
	f.Add("span_event.name", uint8(4), "", "span_events")
	f.Add("metric.name", uint8(5), "12.5", "")
	f.Add(`attributes["x"`, uint8(3), "(", "profiles")
	f.Fuzz(func(t *testing.T, field string, kind uint8, pattern, appliesTo string) {
		mc := MatcherConfig{Field: field}
		switch kind % 7 {
		case 0:
			mc.Exact = pattern
		case 1:
			mc.In = []any{pattern, "x"}
		case 2:
			mc.Glob = &pattern
		case 3:
			mc.Regex = &pattern
		case 4:
			mc.Exists = ptr(len(pattern)%2 == 0)
		case 5:
			v := float64(len(pattern))
			mc.GTE = &v
		case 6: // nothing set: must be rejected
		}
		rc := RuleConfig{Matchers: []MatcherConfig{mc}}
		if appliesTo != "" {
			rc.AppliesTo = []string{appliesTo}
		}
		cfg := createDefaultConfig().(*Config)
		cfg.Drop.DropIfAny = []RuleConfig{rc}
		cfg.Drop.KeepOnly = []RuleConfig{rc}
		if err := cfg.Validate(); err != nil {
			require.Contains(t, err.Error(), "drop.drop_if_any[0]")
			return
		}
		filt, err := newFilter(processortest.NewNopSettings(metadata.Type), cfg, fixedClock())
		require.NoError(t, err)
		td := ptrace.NewTraces()
		s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		s.SetName(pattern)
		s.Attributes().PutStr("http.route", pattern)
		s.Events().AppendEmpty().SetName(pattern)
		s.Links().AppendEmpty().Attributes().PutInt("x", 1)
		_, _ = filt.processTraces(context.Background(), td)
		ld := plog.NewLogs()
		ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(pattern)
		_, _ = filt.processLogs(context.Background(), ld)
	})
}

// bytesReader hands out fuzz bytes, then zeros.
type bytesReader struct {
	b []byte
	i int
}

func (r *bytesReader) next() byte {
	if r.i >= len(r.b) {
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *bytesReader) n(max int) int { return int(r.next()) % max }

var fuzzKeys = []string{"http.route", "password", "user.id", "deployment.environment", "db.secret", "long", "list", "tenant"}

func (r *bytesReader) str() string {
	switch r.n(6) {
	case 0:
		return "/healthz"
	case 1:
		return "production"
	case 2:
		return "€€€€€€€€€€€€€€€€€€€€"
	case 3:
		return string([]byte{0xff, r.next(), 0xe2, 0x82})
	default:
		return fmt.Sprintf("v%d", r.next())
	}
}

func (r *bytesReader) fill(m pcommon.Map) {
	for range r.n(6) {
		k := fuzzKeys[r.n(len(fuzzKeys))]
		switch r.n(5) {
		case 0:
			m.PutInt(k, int64(r.next()))
		case 1:
			m.PutDouble(k, float64(r.next())/3)
		case 2:
			sl := m.PutEmptySlice(k)
			for range r.n(8) {
				sl.AppendEmpty().SetStr(r.str())
			}
		case 3:
			m.PutEmptyMap(k).PutStr("nested", r.str())
		default:
			m.PutStr(k, r.str())
		}
	}
}

func fuzzConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Drop.DropIfAny = []RuleConfig{
		{Matchers: []MatcherConfig{{Field: `attributes["http.route"]`, Exact: "/healthz"}}},
		{AppliesTo: []string{"span_events", "span_links", "logs"}, Matchers: []MatcherConfig{{Field: `attributes["tenant"]`, GTE: ptr(200.0)}}},
	}
	cfg.Drop.KeepOnly = []RuleConfig{{Matchers: []MatcherConfig{{Field: `resource.attributes["deployment.environment"]`, Glob: ptr("prod*")}}}}
	cfg.Keys.Record.Deny = []string{"password", "*.secret"}
	cfg.Keys.Resource.Allow = []string{"deployment.*", "tenant"}
	cfg.Keys.AuditAttribute = "removed"
	cfg.Limits = LimitsConfig{MaxStringLength: 16, TruncationMarker: "…", MaxAttributes: 4, MaxArrayLength: 3}
	cfg.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", Keys: []string{"user.id", "tenant"}, MaxValues: 3}}
	cfg.Cardinality.OverflowValue = "overflow"
	return cfg
}

// checkMap asserts the limits and key lists held on one attribute map.
func checkMap(t *testing.T, m pcommon.Map, lvl level) {
	t.Helper()
	for k, v := range m.All() {
		if lvl == levelRecord {
			require.NotEqual(t, "password", k)
			require.NotEqual(t, "db.secret", k)
		}
		if v.Type() == pcommon.ValueTypeStr {
			require.LessOrEqual(t, len(v.Str()), 16, "key %s", k)
		}
		if v.Type() == pcommon.ValueTypeSlice {
			require.LessOrEqual(t, v.Slice().Len(), 3)
		}
	}
	require.LessOrEqual(t, m.Len(), 5, "max_attributes plus the audit attribute")
}

// FuzzProcess builds traces, metrics and logs from the fuzz bytes and checks
// the processor's promises on whatever comes out.
func FuzzProcess(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Add([]byte("production /healthz password user.id € list"))
	f.Add([]byte{255, 254, 253, 0, 0, 7, 7, 7, 1, 1, 3, 3, 2, 2, 4, 4, 5, 5, 200, 100, 50, 25})
	f.Fuzz(func(t *testing.T, data []byte) {
		filt, err := newFilter(processortest.NewNopSettings(metadata.Type), fuzzConfig(), fixedClock())
		require.NoError(t, err)
		r := &bytesReader{b: data}
		ctx := context.Background()

		td := ptrace.NewTraces()
		for range 1 + r.n(3) {
			rs := td.ResourceSpans().AppendEmpty()
			r.fill(rs.Resource().Attributes())
			ss := rs.ScopeSpans().AppendEmpty()
			r.fill(ss.Scope().Attributes())
			for range r.n(5) {
				s := ss.Spans().AppendEmpty()
				s.SetName(r.str())
				r.fill(s.Attributes())
				for range r.n(3) {
					r.fill(s.Events().AppendEmpty().Attributes())
				}
				for range r.n(3) {
					r.fill(s.Links().AppendEmpty().Attributes())
				}
			}
		}
		in := td.SpanCount()
		out, err := filt.processTraces(ctx, td)
		if err != nil {
			require.Zero(t, out.SpanCount())
		}
		require.LessOrEqual(t, out.SpanCount(), in)
		for _, rs := range out.ResourceSpans().All() {
			checkMap(t, rs.Resource().Attributes(), levelResource)
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					checkMap(t, s.Attributes(), levelRecord)
					for _, e := range s.Events().All() {
						checkMap(t, e.Attributes(), levelRecord)
					}
					for _, l := range s.Links().All() {
						checkMap(t, l.Attributes(), levelRecord)
					}
				}
			}
		}

		md := pmetric.NewMetrics()
		sm := md.ResourceMetrics().AppendEmpty()
		sm.Resource().Attributes().PutStr("deployment.environment", "production")
		ms := sm.ScopeMetrics().AppendEmpty().Metrics()
		for range 1 + r.n(4) {
			m := ms.AppendEmpty()
			m.SetName(fmt.Sprintf("m%d", r.n(3)))
			n := r.n(12)
			switch r.n(5) {
			case 0:
				for range n {
					dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
					dp.SetTimestamp(pcommon.Timestamp(r.n(4)))
					r.fill(dp.Attributes())
				}
			case 1, 2:
				s := m.SetEmptySum()
				s.SetAggregationTemporality(pmetric.AggregationTemporality(1 + r.n(2)))
				for range n {
					dp := s.DataPoints().AppendEmpty()
					dp.SetIntValue(int64(r.next()))
					dp.SetTimestamp(pcommon.Timestamp(r.n(2)))
					r.fill(dp.Attributes())
				}
			case 3:
				h := m.SetEmptyHistogram()
				h.SetAggregationTemporality(pmetric.AggregationTemporality(1 + r.n(2)))
				for range n {
					dp := h.DataPoints().AppendEmpty()
					b := r.n(3)
					for range b {
						dp.ExplicitBounds().Append(float64(r.next()))
					}
					for range b + r.n(2) {
						dp.BucketCounts().Append(uint64(r.next()))
					}
					r.fill(dp.Attributes())
				}
			case 4:
				e := m.SetEmptyExponentialHistogram()
				e.SetAggregationTemporality(pmetric.AggregationTemporality(1 + r.n(2)))
				for range n {
					dp := e.DataPoints().AppendEmpty()
					dp.SetScale(int32(r.n(3)))
					dp.Positive().SetOffset(int32(r.n(20)) - 10)
					for range r.n(4) {
						dp.Positive().BucketCounts().Append(uint64(r.next()))
					}
					r.fill(dp.Attributes())
				}
			}
		}
		inPoints := md.DataPointCount()
		mout, err := filt.processMetrics(ctx, md)
		if err == nil {
			require.LessOrEqual(t, mout.DataPointCount(), inPoints)
		}
		distinct := map[string]map[string]bool{}
		for _, rm := range mout.ResourceMetrics().All() {
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					if m.Type() != pmetric.MetricTypeGauge && m.Type() != pmetric.MetricTypeSum {
						continue
					}
					var dps pmetric.NumberDataPointSlice
					if m.Type() == pmetric.MetricTypeGauge {
						dps = m.Gauge().DataPoints()
					} else {
						dps = m.Sum().DataPoints()
					}
					for _, dp := range dps.All() {
						checkMap(t, dp.Attributes(), levelRecord)
						if v, ok := dp.Attributes().Get("user.id"); ok && (v.Type() == pcommon.ValueTypeStr || v.Type() == pcommon.ValueTypeInt) {
							key := m.Name()
							if distinct[key] == nil {
								distinct[key] = map[string]bool{}
							}
							distinct[key][v.AsString()] = true
						}
					}
				}
			}
		}
		for name, vals := range distinct {
			require.LessOrEqual(t, len(vals), 4, "metric %s: 3 values plus overflow", name)
		}

		ld := plog.NewLogs()
		for range 1 + r.n(3) {
			rl := ld.ResourceLogs().AppendEmpty()
			r.fill(rl.Resource().Attributes())
			for range r.n(4) {
				lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
				lr.Body().SetStr(r.str())
				r.fill(lr.Attributes())
			}
		}
		lout, _ := filt.processLogs(ctx, ld)
		for _, rl := range lout.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					checkMap(t, lr.Attributes(), levelRecord)
				}
			}
		}
	})
}
