package tail

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func batch(traces, spansPerTrace int, firstID byte, withRoot bool) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	ss := rs.ScopeSpans().AppendEmpty()
	for i := range traces {
		for j := range spansPerTrace {
			s := ss.Spans().AppendEmpty()
			s.SetTraceID(pcommon.TraceID{firstID, byte(i >> 8), byte(i), 15: 1})
			s.SetSpanID(pcommon.SpanID{byte(j + 1)})
			if j > 0 || !withRoot {
				s.SetParentSpanID(pcommon.SpanID{9})
			}
		}
	}
	return td
}

func addAll(b *Buffer, now time.Time, td ptrace.Traces) []Decided {
	b.NextBatch()
	var out []Decided
	rs := td.ResourceSpans().At(0)
	ss := rs.ScopeSpans().At(0)
	for i := 0; i < ss.Spans().Len(); i++ {
		out = b.Add(now, rs, ss, ss.Spans().At(i), out)
	}
	return out
}

func TestBufferGroupsSpansAndDecidesOnRoot(t *testing.T) {
	b := New(10, 100, 10*time.Second, time.Second)
	t0 := time.Unix(1000, 0)
	if out := addAll(b, t0, batch(2, 3, 1, true)); len(out) != 0 {
		t.Fatalf("early decisions %v", out)
	}
	if b.Len() != 2 || b.SpanCount() != 6 {
		t.Fatalf("len %d spans %d", b.Len(), b.SpanCount())
	}
	if out := b.Ready(t0.Add(999*time.Millisecond), nil); len(out) != 0 {
		t.Fatalf("ready before decision_delay: %d", len(out))
	}
	out := b.Ready(t0.Add(time.Second), nil)
	if len(out) != 2 || b.Len() != 0 || b.SpanCount() != 0 {
		t.Fatalf("ready %d, left %d/%d", len(out), b.Len(), b.SpanCount())
	}
	tr := out[0].Trace
	if tr.Count != 3 || tr.Spans.SpanCount() != 3 || tr.Spans.ResourceSpans().Len() != 1 {
		t.Fatalf("trace holds %d spans in %d resources", tr.Spans.SpanCount(), tr.Spans.ResourceSpans().Len())
	}
	if v, _ := tr.Spans.ResourceSpans().At(0).Resource().Attributes().Get("service.name"); v.Str() != "svc" {
		t.Fatal("resource not copied")
	}
}

func TestBufferTimeoutWithoutRoot(t *testing.T) {
	b := New(10, 100, 10*time.Second, time.Second)
	t0 := time.Unix(1000, 0)
	addAll(b, t0, batch(1, 2, 1, false))
	if out := b.Ready(t0.Add(10*time.Second), nil); len(out) != 0 {
		t.Fatal("decided before trace_timeout + decision_delay")
	}
	if out := b.Ready(t0.Add(11*time.Second), nil); len(out) != 1 {
		t.Fatal("not decided after trace_timeout + decision_delay")
	}
}

func TestBufferBounded(t *testing.T) {
	b := New(100, 3, time.Minute, time.Second)
	t0 := time.Unix(1000, 0)
	out := addAll(b, t0, batch(1000, 2, 1, true))
	if b.Len() != 100 || b.SpanCount() != 200 {
		t.Fatalf("buffer holds %d traces, %d spans", b.Len(), b.SpanCount())
	}
	spans := b.SpanCount()
	for _, d := range out {
		if d.Reason != BufferFull {
			t.Fatalf("reason %v", d.Reason)
		}
		spans += d.Trace.Count
	}
	if len(out) != 900 || spans != 2000 {
		t.Fatalf("%d early decisions, %d spans accounted for", len(out), spans)
	}
	// The oldest traces leave first.
	if out[0].Trace.ID != (pcommon.TraceID{1, 0, 0, 15: 1}) {
		t.Fatalf("first evicted %v", out[0].Trace.ID)
	}
	// span_limit decides a trace as soon as it is reached.
	out = addAll(b, t0, batch(1, 3, 2, true))
	if len(out) != 2 || out[1].Reason != SpanLimit || out[1].Trace.Count != 3 {
		t.Fatalf("span limit: %+v", out)
	}
	drained := b.Drain(nil)
	if len(drained) != 99 || b.Len() != 0 || b.SpanCount() != 0 {
		t.Fatalf("drained %d, left %d/%d", len(drained), b.Len(), b.SpanCount())
	}
}
