package attributefilterprocessor_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/e2etest"
)

const (
	e2eSpans       = 200 // every tenth is a health check
	e2eLogs        = 100 // every fourth is DEBUG
	e2eUsers       = 10000
	e2eUserBatches = 10
	e2eMaxValues   = 50 // cardinality.limits[0].max_values of testdata/e2e/config.yaml
	e2eOverflow    = "otelgate.overflow"
)

// TestE2EAttributeFilter runs the built gateway with testdata/e2e/config.yaml:
// dropped records never reach the sink, denied keys are gone, every other key
// arrives intact, and 10,000 distinct user.id values of a delta counter reach
// the sink as at most max_values + 1 series whose sum is still exact.
func TestE2EAttributeFilter(t *testing.T) {
	e2etest.SkipIfShort(t)
	sink := e2etest.StartSink(t)
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{
		Config: "processor/attributefilterprocessor/testdata/e2e/config.yaml",
		Sink:   sink,
	})

	gw.SendTraces(t, e2eTraces())
	gw.SendLogs(t, e2eLogRecords())
	for b := range e2eUserBatches {
		gw.SendMetrics(t, e2eUserMetrics(b*e2eUsers/e2eUserBatches, (b+1)*e2eUsers/e2eUserBatches))
	}

	keptSpans := e2eSpans - e2eSpans/10
	keptLogs := e2eLogs - e2eLogs/4
	sink.WaitForSpans(t, keptSpans, 30*time.Second)
	sink.WaitForLogRecords(t, keptLogs, 30*time.Second)
	// Every batch adds up to e2eUsers/e2eUserBatches; wait for the whole sum.
	var total int64
	var users map[string]int64
	deadline := time.Now().Add(30 * time.Second)
	for {
		total, users = userSums(sink.AllMetrics())
		if total >= e2eUsers || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Traces: no health check, credentials gone, the rest intact.
	td := sink.AllTraces()
	require.Equal(t, keptSpans, td.SpanCount(), "exactly the health checks are dropped")
	forEachSpan(td, func(s ptrace.Span) {
		assert.NotContains(t, s.Name(), "/health")
		attrs := s.Attributes().AsRaw()
		for _, k := range []string{"password", "authorization", "http.request.header.cookie", "service.api_key", "session.Token"} {
			assert.NotContains(t, attrs, k)
		}
		assert.Equal(t, "GET", attrs["http.request.method"])
		assert.EqualValues(t, 200, attrs["http.response.status_code"])
		assert.Equal(t, "/orders/{id}", attrs["http.route"])
		assert.Equal(t, "api-token-count", s.Events().At(0).Name())
		assert.Equal(t, map[string]any{"retry": int64(1)}, s.Events().At(0).Attributes().AsRaw(), "events lose denied keys too")
		assert.Equal(t, map[string]any{"link.kind": "parent"}, s.Links().At(0).Attributes().AsRaw(), "links lose denied keys too")
	})

	// Logs: no DEBUG record, credentials gone, body and other keys intact.
	ld := sink.AllLogs()
	require.Equal(t, keptLogs, ld.LogRecordCount(), "exactly the DEBUG records are dropped")
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		lrs := ld.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords()
		for j := 0; j < lrs.Len(); j++ {
			lr := lrs.At(j)
			assert.GreaterOrEqual(t, int(lr.SeverityNumber()), 9)
			assert.Equal(t, map[string]any{"user.id": "u-1", "http.route": "/orders/{id}"}, lr.Attributes().AsRaw())
			assert.Contains(t, lr.Body().Str(), "order placed")
		}
	}

	// Metrics: at most max_values distinct users plus the overflow value, nothing lost.
	assert.EqualValues(t, e2eUsers, total, "delta sums merged exactly: every increment arrives")
	assert.LessOrEqual(t, len(users), e2eMaxValues+1)
	assert.Contains(t, users, e2eOverflow)
	assert.EqualValues(t, e2eUsers-e2eMaxValues, users[e2eOverflow], "every user beyond the budget counts under the overflow value")

	// The gateway's own metrics say what it did.
	assert.EqualValues(t, e2eSpans/10, gw.Metric(t, "otelcol_processor_attribute_filter_records_dropped",
		map[string]string{"signal": "spans", "rule": "health-checks"}))
	assert.EqualValues(t, e2eLogs/4, gw.Metric(t, "otelcol_processor_attribute_filter_records_dropped",
		map[string]string{"signal": "logs", "rule": "debug-logs"}))
	assert.EqualValues(t, e2eUsers-e2eMaxValues, gw.Metric(t, "otelcol_processor_attribute_filter_cardinality_overflows",
		map[string]string{"metric": "app.requests"}))
	assert.Positive(t, gw.Metric(t, "otelcol_processor_attribute_filter_attributes_removed",
		map[string]string{"level": "record", "reason": "key_list"}))
	gw.Stop(t)
}

func e2eTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := range e2eSpans {
		s := spans.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{1, byte(i >> 8), byte(i)})
		s.SetSpanID(pcommon.SpanID{2, byte(i >> 8), byte(i)})
		s.SetName("GET /orders/{id}")
		if i%10 == 0 {
			s.SetName("GET /healthz")
		}
		a := s.Attributes()
		a.PutStr("http.request.method", "GET")
		a.PutInt("http.response.status_code", 200)
		a.PutStr("http.route", "/orders/{id}")
		a.PutStr("password", "hunter2")
		a.PutStr("authorization", "Bearer abc")
		a.PutStr("http.request.header.cookie", "session=1")
		a.PutStr("service.api_key", "k")
		a.PutStr("session.Token", "t")
		ev := s.Events().AppendEmpty()
		ev.SetName("api-token-count")
		ev.Attributes().PutInt("retry", 1)
		ev.Attributes().PutStr("password", "hunter2")
		l := s.Links().AppendEmpty()
		l.SetTraceID(pcommon.TraceID{3})
		l.SetSpanID(pcommon.SpanID{4})
		l.Attributes().PutStr("link.kind", "parent")
		l.Attributes().PutStr("auth_token", "t")
	}
	return td
}

func e2eLogRecords() plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range e2eLogs {
		lr := lrs.AppendEmpty()
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		if i%4 == 0 {
			lr.SetSeverityNumber(plog.SeverityNumberDebug)
		}
		lr.Body().SetStr(fmt.Sprintf("order placed #%d", i))
		lr.Attributes().PutStr("user.id", "u-1")
		lr.Attributes().PutStr("http.route", "/orders/{id}")
		lr.Attributes().PutStr("password", "hunter2")
		lr.Attributes().PutStr("x-api-key", "k")
	}
	return ld
}

// e2eUserMetrics is one delta counter point of value 1 per user in [from, to).
func e2eUserMetrics(from, to int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("app.requests")
	sum := m.SetEmptySum()
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	sum.SetIsMonotonic(true)
	for i := from; i < to; i++ {
		dp := sum.DataPoints().AppendEmpty()
		dp.SetStartTimestamp(pcommon.Timestamp(time.Second))
		dp.SetTimestamp(pcommon.Timestamp(2 * time.Second))
		dp.SetIntValue(1)
		dp.Attributes().PutStr("user.id", fmt.Sprintf("user-%05d", i))
	}
	return md
}

// userSums adds the app.requests points by user.id.
func userSums(md pmetric.Metrics) (int64, map[string]int64) {
	var total int64
	users := map[string]int64{}
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		sms := md.ResourceMetrics().At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				if ms.At(k).Name() != "app.requests" {
					continue
				}
				dps := ms.At(k).Sum().DataPoints()
				for p := 0; p < dps.Len(); p++ {
					v, _ := dps.At(p).Attributes().Get("user.id")
					users[v.Str()] += dps.At(p).IntValue()
					total += dps.At(p).IntValue()
				}
			}
		}
	}
	return total, users
}

func forEachSpan(td ptrace.Traces, fn func(ptrace.Span)) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		sss := td.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				fn(spans.At(k))
			}
		}
	}
}
