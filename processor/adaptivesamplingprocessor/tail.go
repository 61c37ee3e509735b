package adaptivesamplingprocessor // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"

	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/tail"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/threshold"
)

// sampledDecision is what the decision cache remembers of a kept trace.
type sampledDecision struct {
	rule *rule
	rate *sampler.Rate
}

// tailSampler buffers spans per trace and decides whole traces.
type tailSampler struct {
	p    *tracesProcessor
	next consumer.Traces

	mu         sync.Mutex
	buf        *tail.Buffer
	sampled    *lru.Cache[pcommon.TraceID, sampledDecision]
	notSampled *lru.Cache[pcommon.TraceID, struct{}]

	bufferedTraces atomic.Int64
	bufferedSpans  atomic.Int64
	earlyFull      atomic.Int64
	earlyLimit     atomic.Int64
	lateSampled    atomic.Int64
	lateNotSampled atomic.Int64

	tick     time.Duration
	stop     chan struct{}
	loopDone sync.WaitGroup
}

func newTailSampler(p *tracesProcessor, next consumer.Traces) (*tailSampler, error) {
	cfg := p.cfg
	sampled, err := lru.New[pcommon.TraceID, sampledDecision](cfg.DecisionCache.SampledCacheSize)
	if err != nil {
		return nil, err
	}
	notSampled, err := lru.New[pcommon.TraceID, struct{}](cfg.DecisionCache.NonSampledCacheSize)
	if err != nil {
		return nil, err
	}
	tick := min(cfg.DecisionDelay, cfg.TraceTimeout) / 4
	tick = min(max(tick, 10*time.Millisecond), time.Second)
	t := &tailSampler{
		p:          p,
		next:       next,
		buf:        tail.New(cfg.NumTraces, cfg.SpanLimit, cfg.TraceTimeout, cfg.DecisionDelay),
		sampled:    sampled,
		notSampled: notSampled,
		tick:       tick,
	}
	p.extra = t.observe
	return t, nil
}

func (t *tailSampler) start() {
	if t.p.manual {
		return
	}
	t.stop = make(chan struct{})
	t.loopDone.Add(1)
	go func() {
		defer t.loopDone.Done()
		until := func(now time.Time) time.Duration { return t.p.untilFlush(now, t.tick) }
		every(t.stop, until, func(ctx context.Context) {
			if err := t.flushReady(ctx, t.p.now()); err != nil {
				t.p.logger.Warn("forwarding sampled traces failed", zap.Error(err))
			}
		})
	}()
}

// shutdown decides every buffered trace and forwards the kept ones.
func (t *tailSampler) shutdown(ctx context.Context) error {
	if t.stop != nil {
		close(t.stop)
		t.loopDone.Wait()
		t.stop = nil
	}
	t.mu.Lock()
	decided := t.buf.Drain(nil)
	t.updateGauges()
	t.mu.Unlock()
	return t.forward(ctx, t.decideAll(ctx, decided))
}

// process buffers the spans of td. Spans of already decided traces follow the
// cached decision; traces that leave the buffer early are decided here.
func (t *tailSampler) process(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	now := t.p.now()
	late := ptrace.NewTraces()
	kept := ptrace.NewTraces()
	var decided []tail.Decided
	t.mu.Lock()
	t.buf.NextBatch()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		var lateRS ptrace.ResourceSpans
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			var lateSS ptrace.ScopeSpans
			hasLateSS := false
			for k := 0; k < ss.Spans().Len(); k++ {
				span := ss.Spans().At(k)
				id := span.TraceID()
				if d, ok := t.sampled.Get(id); ok {
					t.lateSampled.Add(1)
					if !hasLateSS {
						if lateRS == (ptrace.ResourceSpans{}) {
							lateRS = late.ResourceSpans().AppendEmpty()
							rs.Resource().CopyTo(lateRS.Resource())
							lateRS.SetSchemaUrl(rs.SchemaUrl())
						}
						lateSS = lateRS.ScopeSpans().AppendEmpty()
						ss.Scope().CopyTo(lateSS.Scope())
						lateSS.SetSchemaUrl(ss.SchemaUrl())
						hasLateSS = true
					}
					out := lateSS.Spans().AppendEmpty()
					span.CopyTo(out)
					ts := out.TraceState().AsRaw()
					annotate(out, ts, threshold.ParseTraceState(ts), d.rate, t.p.ruleAttr, d.rule.name)
					continue
				}
				if t.notSampled.Contains(id) {
					t.lateNotSampled.Add(1)
					continue
				}
				decided = t.buf.Add(now, rs, ss, span, decided[:0])
				if len(decided) > 0 {
					// Decide at once, so that the next spans of the trace
					// find the decision in the cache.
					for _, d := range decided {
						if d.Reason == tail.BufferFull {
							t.earlyFull.Add(1)
						} else {
							t.earlyLimit.Add(1)
						}
					}
					t.decideInto(ctx, decided, kept)
				}
			}
		}
	}
	t.buf.NextBatch() // release the batch
	t.updateGauges()
	t.mu.Unlock()
	kept.ResourceSpans().MoveAndAppendTo(late.ResourceSpans())
	if late.ResourceSpans().Len() == 0 {
		return late, processorhelper.ErrSkipProcessingData
	}
	return late, nil
}

func (t *tailSampler) updateGauges() {
	t.bufferedTraces.Store(int64(t.buf.Len()))
	t.bufferedSpans.Store(int64(t.buf.SpanCount()))
}

// flushReady decides the traces whose deadline has passed and forwards the kept ones.
func (t *tailSampler) flushReady(ctx context.Context, now time.Time) error {
	t.p.applyBrakes(now)
	t.mu.Lock()
	decided := t.buf.Ready(now, nil)
	t.updateGauges()
	t.mu.Unlock()
	if len(decided) == 0 {
		return nil
	}
	return t.forward(ctx, t.decideAll(ctx, decided))
}

func (t *tailSampler) forward(ctx context.Context, td ptrace.Traces) error {
	if td.ResourceSpans().Len() == 0 {
		return nil
	}
	return t.next.ConsumeTraces(ctx, td)
}

// decideAll decides the given traces and returns the spans of the kept ones.
func (t *tailSampler) decideAll(ctx context.Context, decided []tail.Decided) ptrace.Traces {
	out := ptrace.NewTraces()
	t.decideInto(ctx, decided, out)
	return out
}

// decideInto decides the given traces and moves the spans of the kept ones to out.
func (t *tailSampler) decideInto(ctx context.Context, decided []tail.Decided, out ptrace.Traces) {
	for _, d := range decided {
		tr := d.Trace
		r, rate, ok := t.decide(ctx, tr)
		if r == nil {
			t.p.unmatched.Add(1)
			tr.Spans.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
			continue
		}
		if !ok {
			r.notSampled.Add(1)
			t.notSampled.Add(tr.ID, struct{}{})
			continue
		}
		r.sampled.Add(1)
		t.sampled.Add(tr.ID, sampledDecision{rule: r, rate: rate})
		forEachSpan(tr.Spans, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, s ptrace.Span) bool {
			ts := s.TraceState().AsRaw()
			annotate(s, ts, threshold.ParseTraceState(ts), rate, t.p.ruleAttr, r.name)
			return true
		})
		tr.Spans.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
	}
	endBatch(t.p.rules)
}

// decide picks the rule of a whole trace (a rule's condition matches when any
// span matches it) and decides with the randomness of the trace's root span
// (its first span when the root was not seen) against the stricter of the
// rule's threshold and the strictest incoming one of its spans. For a kept
// trace it returns the rate carrying that effective threshold.
func (t *tailSampler) decide(ctx context.Context, tr *tail.Trace) (*rule, *sampler.Rate, bool) {
	var (
		matched     *rule
		best        = len(t.p.rules)
		rootRS      ptrace.ResourceSpans
		root        ptrace.Span
		found       bool
		incomingMax threshold.Threshold
		hasIncoming bool
	)
	forEachSpan(tr.Spans, func(rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, s ptrace.Span) bool {
		if !found || s.ParentSpanID().IsEmpty() && !root.ParentSpanID().IsEmpty() {
			rootRS, root, found = rs, s, true
		}
		if ot := threshold.ParseTraceState(s.TraceState().AsRaw()); ot.HasThreshold {
			incomingMax, hasIncoming = threshold.Stricter(incomingMax, ot.Threshold), true
		}
		if best == 0 {
			return true
		}
		tctx := ottlspan.NewTransformContext(rs, ss, s)
		for i, r := range t.p.rules[:best] {
			if r.conditions == nil {
				best = i
				break
			}
			if ok, _ := r.conditions.Eval(ctx, tctx); ok {
				best = i
				break
			}
		}
		tctx.Close()
		return true
	})
	if best == len(t.p.rules) || !found {
		return nil, nil, true
	}
	matched = t.p.rules[best]
	var buf [keyBufSize]byte
	rate := matched.rate(rootRS.Resource().Attributes(), root.Attributes(), buf[:0], int64(tr.Count))
	ot := threshold.ParseTraceState(root.TraceState().AsRaw())
	rnd := threshold.RandomnessFromTraceID(tr.ID)
	if ot.HasRandomness {
		rnd = ot.Randomness
	}
	ot.Threshold, ot.HasThreshold = incomingMax, hasIncoming
	if !keep(rate, ot, rnd) {
		return matched, rate, false
	}
	// Every span of the kept trace carries the threshold the trace was
	// decided with: the stricter of the rule's and the strictest incoming one.
	if hasIncoming && incomingMax > rate.Threshold {
		rate = sampler.RateOf(incomingMax)
	}
	matched.kept(int64(tr.Count))
	return matched, rate, true
}

func forEachSpan(td ptrace.Traces, f func(ptrace.ResourceSpans, ptrace.ScopeSpans, ptrace.Span) bool) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				if !f(rs, ss, ss.Spans().At(k)) {
					return
				}
			}
		}
	}
}

// buffered returns the number of buffered traces and spans.
func (t *tailSampler) buffered() (traces, spans int64) {
	return t.bufferedTraces.Load(), t.bufferedSpans.Load()
}

func (t *tailSampler) observe(o metric.Observer, tb *metadata.TelemetryBuilder) {
	o.ObserveInt64(tb.ProcessorAdaptiveSamplingBufferedTraces, t.bufferedTraces.Load())
	o.ObserveInt64(tb.ProcessorAdaptiveSamplingBufferedSpans, t.bufferedSpans.Load())
	o.ObserveInt64(tb.ProcessorAdaptiveSamplingEarlyDecisions, t.earlyFull.Load(), metric.WithAttributes(attribute.String("reason", "buffer_full")))
	o.ObserveInt64(tb.ProcessorAdaptiveSamplingEarlyDecisions, t.earlyLimit.Load(), metric.WithAttributes(attribute.String("reason", "span_limit")))
	o.ObserveInt64(tb.ProcessorAdaptiveSamplingLateSpans, t.lateSampled.Load(), metric.WithAttributes(outcomeSampled))
	o.ObserveInt64(tb.ProcessorAdaptiveSamplingLateSpans, t.lateNotSampled.Load(), metric.WithAttributes(outcomeNotSampled))
}
