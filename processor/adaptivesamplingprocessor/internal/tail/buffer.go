package tail // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/tail"

import (
	"container/list"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Reason tells why a trace left the buffer.
type Reason int

const (
	// Ready means: root span seen (or trace_timeout passed) and decision_delay elapsed.
	Ready Reason = iota
	// BufferFull means: the oldest trace made room for a new one.
	BufferFull
	// SpanLimit means: the trace reached span_limit.
	SpanLimit
	// Flushed means: the buffer was drained (shutdown).
	Flushed
)

// Trace is a buffered trace: its spans grouped by resource and scope.
type Trace struct {
	ID     pcommon.TraceID
	Spans  ptrace.Traces
	Count  int
	first  time.Time
	rootAt time.Time
	elem   *list.Element

	// The (resource, scope) group of the incoming batch the last span came
	// from, and where its spans go.
	group  uint64
	dstSS  ptrace.ScopeSpans
	hasDst bool
}

// Deadline is when the trace becomes ready.
func (t *Trace) Deadline(timeout, delay time.Duration) time.Time {
	if !t.rootAt.IsZero() {
		return t.rootAt.Add(delay)
	}
	return t.first.Add(timeout + delay)
}

// Buffer holds traces waiting for a decision. It is not safe for concurrent use.
type Buffer struct {
	maxTraces int
	spanLimit int
	timeout   time.Duration
	delay     time.Duration

	traces map[pcommon.TraceID]*Trace
	order  *list.List // arrival order, oldest first
	spans  int

	// The current (resource, scope) group of the incoming batch. Traces keep
	// only its number, never the batch itself.
	group   uint64
	groupRS ptrace.ResourceSpans
	groupSS ptrace.ScopeSpans
}

// New returns a buffer of at most maxTraces traces of at most spanLimit spans.
func New(maxTraces, spanLimit int, timeout, delay time.Duration) *Buffer {
	return &Buffer{
		maxTraces: maxTraces,
		spanLimit: spanLimit,
		timeout:   timeout,
		delay:     delay,
		traces:    make(map[pcommon.TraceID]*Trace),
		order:     list.New(),
	}
}

// Decided is a trace that left the buffer and the reason it did.
type Decided struct {
	Trace  *Trace
	Reason Reason
}

// NextBatch marks the start (or the end) of an incoming batch and releases the
// buffer's reference to the previous one. Spans of one batch that share a
// resource and scope are stored under one copy of them.
func (b *Buffer) NextBatch() {
	b.group++
	b.groupRS, b.groupSS = ptrace.ResourceSpans{}, ptrace.ScopeSpans{}
}

// Add buffers span and returns the traces that had to leave the buffer early:
// the oldest one when a new trace found the buffer full, and the span's own
// trace when it reached the span limit.
func (b *Buffer) Add(now time.Time, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span, out []Decided) []Decided {
	id := span.TraceID()
	t, ok := b.traces[id]
	if !ok {
		if len(b.traces) >= b.maxTraces {
			oldest := b.order.Front().Value.(*Trace)
			b.remove(oldest)
			out = append(out, Decided{oldest, BufferFull})
		}
		t = &Trace{ID: id, Spans: ptrace.NewTraces(), first: now}
		t.elem = b.order.PushBack(t)
		b.traces[id] = t
	}
	if b.groupRS != rs || b.groupSS != ss {
		b.group++
		b.groupRS, b.groupSS = rs, ss
	}
	if !t.hasDst || t.group != b.group {
		drs := t.Spans.ResourceSpans().AppendEmpty()
		rs.Resource().CopyTo(drs.Resource())
		drs.SetSchemaUrl(rs.SchemaUrl())
		t.dstSS = drs.ScopeSpans().AppendEmpty()
		ss.Scope().CopyTo(t.dstSS.Scope())
		t.dstSS.SetSchemaUrl(ss.SchemaUrl())
		t.group, t.hasDst = b.group, true
	}
	span.CopyTo(t.dstSS.Spans().AppendEmpty())
	t.Count++
	b.spans++
	if span.ParentSpanID().IsEmpty() && t.rootAt.IsZero() {
		t.rootAt = now
	}
	if t.Count >= b.spanLimit {
		b.remove(t)
		out = append(out, Decided{t, SpanLimit})
	}
	return out
}

func (b *Buffer) remove(t *Trace) {
	b.order.Remove(t.elem)
	delete(b.traces, t.ID)
	b.spans -= t.Count
	t.elem = nil
	t.hasDst = false
	t.dstSS = ptrace.ScopeSpans{}
}

// Ready removes and returns the traces whose deadline is not after now.
func (b *Buffer) Ready(now time.Time, out []Decided) []Decided {
	for e := b.order.Front(); e != nil; {
		next := e.Next()
		t := e.Value.(*Trace)
		if !t.Deadline(b.timeout, b.delay).After(now) {
			b.remove(t)
			out = append(out, Decided{t, Ready})
		}
		e = next
	}
	return out
}

// Drain removes and returns every trace.
func (b *Buffer) Drain(out []Decided) []Decided {
	for e := b.order.Front(); e != nil; e = b.order.Front() {
		t := e.Value.(*Trace)
		b.remove(t)
		out = append(out, Decided{t, Flushed})
	}
	return out
}

// Len is the number of buffered traces.
func (b *Buffer) Len() int { return len(b.traces) }

// SpanCount is the number of buffered spans.
func (b *Buffer) SpanCount() int { return b.spans }
