package attributefilterprocessor

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/metadata"
)

// allocConfig tests every record against drop rules, key lists, size limits
// and (for metrics) the cardinality guard, none of which changes the records
// allocBatch builds.
func allocConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Drop.DropIfAny = dropRules
	cfg.Drop.KeepOnly = []RuleConfig{{Matchers: []MatcherConfig{{Field: `resource.attributes["deployment.environment"]`, Exact: "production"}}}}
	cfg.Keys.Record.Deny = deniedKeys
	cfg.Keys.Resource.Allow = []string{"service.name", "deployment.*"}
	cfg.Limits = LimitsConfig{MaxStringLength: 4096, TruncationMarker: "...", MaxAttributes: 64, MaxArrayLength: 32}
	cfg.Cardinality.Limits = []CardinalityLimitConfig{{Metrics: "*", Keys: []string{"http.route"}, MaxValues: 10}}
	return cfg
}

// TestZeroAllocationsPerUnchangedRecord: a record that every rule, key list,
// limit and the guard test and leave as it is costs no allocation. The
// allocations of a batch of n records and of a batch of 10n records are the
// same (only per-batch costs remain).
func TestZeroAllocationsPerUnchangedRecord(t *testing.T) {
	f, err := newFilter(processortest.NewNopSettings(metadata.Type), allocConfig(), fixedClock())
	require.NoError(t, err)
	ctx := context.Background()
	perRecord := func(small, large float64, n int) float64 { return (large - small) / float64(9*n) }
	const n = 100

	traces := func(spans int) float64 {
		td := unchangedTraces(spans)
		return testing.AllocsPerRun(20, func() {
			out, err := f.processTraces(ctx, td)
			if err != nil || out.SpanCount() != spans {
				t.Fatalf("spans changed: %d, %v", out.SpanCount(), err)
			}
		})
	}
	assert.Zero(t, perRecord(traces(n), traces(10*n), n), "allocations per kept span")

	logs := func(records int) float64 {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("deployment.environment", "production")
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for i := range records {
			lr := lrs.AppendEmpty()
			lr.Body().SetStr("order placed")
			lr.Attributes().PutStr("http.route", "/orders")
			lr.Attributes().PutInt("http.response.status_code", int64(200+i%5))
		}
		return testing.AllocsPerRun(20, func() {
			if out, err := f.processLogs(ctx, ld); err != nil || out.LogRecordCount() != records {
				t.Fatalf("logs changed: %d, %v", out.LogRecordCount(), err)
			}
		})
	}
	assert.Zero(t, perRecord(logs(n), logs(10*n), n), "allocations per kept log record")

	metrics := func(points int) float64 {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("deployment.environment", "production")
		sum := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		sum.SetName("http.server.requests")
		dps := sum.SetEmptySum().DataPoints()
		for i := range points {
			dp := dps.AppendEmpty()
			dp.SetIntValue(1)
			dp.Attributes().PutStr("http.route", fmt.Sprintf("/r%d", i%10)) // within the budget of 10
			dp.Attributes().PutInt("instance", int64(i))
		}
		return testing.AllocsPerRun(20, func() {
			if out, err := f.processMetrics(ctx, md); err != nil || out.DataPointCount() != points {
				t.Fatalf("points changed: %d, %v", out.DataPointCount(), err)
			}
		})
	}
	assert.Zero(t, perRecord(metrics(n), metrics(10*n), n), "allocations per kept data point")
}

// unchangedTraces is benchTraces without the health checks: nothing to drop or strip.
func unchangedTraces(spans int) ptrace.Traces {
	td := benchTraces(false)
	ss := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	ss.RemoveIf(func(s ptrace.Span) bool {
		v, _ := s.Attributes().Get("http.route")
		return v.Str() == "/healthz"
	})
	for ss.Len() > spans {
		i := 0
		ss.RemoveIf(func(ptrace.Span) bool { i++; return i > spans })
	}
	for ss.Len() < spans {
		ss.At(0).CopyTo(ss.AppendEmpty())
	}
	return td
}
