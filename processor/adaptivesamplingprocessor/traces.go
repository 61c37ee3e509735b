package adaptivesamplingprocessor // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"

	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/threshold"
)

// keyBufSize is the scratch space for building keys on the stack.
const keyBufSize = 256

// tracesProcessor walks spans; decisions are made per span (consistent mode) or
// per buffered trace (tail mode, see tail.go).
type tracesProcessor struct {
	*rates
	ruleAttr      string
	hasConditions bool
	tail          *tailSampler // nil in consistent mode
}

func newTracesProcessor(set processor.Settings, cfg *Config, next consumer.Traces) (processor.Traces, error) {
	return newTracesProcessorWith(set, cfg, next, nil)
}

// newTracesProcessorWith lets tests reach the processor behind processorhelper.
func newTracesProcessorWith(set processor.Settings, cfg *Config, next consumer.Traces, expose func(*tracesProcessor)) (processor.Traces, error) {
	e, err := newRates(set.TelemetrySettings, set.ID, cfg, "traces", true)
	if err != nil {
		return nil, err
	}
	p := &tracesProcessor{rates: e, ruleAttr: cfg.RuleAttribute}
	for _, r := range e.rules {
		p.hasConditions = p.hasConditions || r.conditions != nil
	}
	process := p.processConsistent
	if cfg.Mode == ModeTail {
		if p.tail, err = newTailSampler(p, next); err != nil {
			return nil, err
		}
		process = p.tail.process
	}
	if expose != nil {
		expose(p)
	}
	return processorhelper.NewTraces(context.Background(), set, cfg, next, process,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown),
	)
}

func (p *tracesProcessor) start(ctx context.Context, host component.Host) error {
	if err := p.rates.start(host); err != nil {
		return err
	}
	if p.tail != nil {
		p.tail.start()
	}
	return nil
}

func (p *tracesProcessor) shutdown(ctx context.Context) error {
	var err error
	if p.tail != nil {
		err = p.tail.shutdown(ctx)
	}
	p.rates.shutdown()
	return err
}

// matchSpan returns the rule deciding span, or nil when none matches.
func (p *tracesProcessor) matchSpan(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span) *rule {
	if !p.hasConditions {
		return p.rules[0] // a single catch-all rule: validation forbids anything else
	}
	tctx := ottlspan.NewTransformContext(rs, ss, span)
	r := matchRule(ctx, p.rules, tctx)
	tctx.Close()
	return r
}

func (p *tracesProcessor) processConsistent(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	var buf [keyBufSize]byte
	p.applyBrakes(p.now())
	rss := td.ResourceSpans()
	rss.RemoveIf(func(rs ptrace.ResourceSpans) bool {
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			ss.Spans().RemoveIf(func(span ptrace.Span) bool {
				return !p.decideSpan(ctx, rs, ss, span, buf[:0])
			})
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
	endBatch(p.rules)
	if rss.Len() == 0 {
		return td, processorhelper.ErrSkipProcessingData
	}
	return td, nil
}

// decideSpan decides one span in consistent mode and annotates it when kept.
func (p *tracesProcessor) decideSpan(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span, buf []byte) bool {
	r := p.matchSpan(ctx, rs, ss, span)
	if r == nil {
		p.unmatched.Add(1)
		return true
	}
	rate := r.rate(rs.Resource().Attributes(), span.Attributes(), buf, 1)
	ts := span.TraceState().AsRaw()
	var ot threshold.OT
	if ts != "" {
		ot = threshold.ParseTraceState(ts)
	}
	rnd := threshold.RandomnessFromTraceID(span.TraceID())
	if ot.HasRandomness {
		rnd = ot.Randomness
	}
	if !keep(rate, ot, rnd) {
		r.notSampled.Add(1)
		return false
	}
	r.sampled.Add(1)
	r.kept(1)
	annotate(span, ts, ot, rate, p.ruleAttr, r.name)
	return true
}

// keep applies the stricter of the rule's threshold and the incoming one.
func keep(rate *sampler.Rate, ot threshold.OT, rnd uint64) bool {
	th := rate.Threshold
	if ot.HasThreshold {
		th = threshold.Stricter(th, ot.Threshold)
	}
	return th.ShouldSample(rnd)
}

// annotate writes the effective threshold and the rule name on a kept span. The
// tracestate is rewritten only when our threshold is stricter than the incoming
// one (never loosened); an empty tracestate takes the rate's precomputed string.
func annotate(span ptrace.Span, ts string, ot threshold.OT, rate *sampler.Rate, ruleAttr, ruleName string) {
	if !ot.HasThreshold || rate.Threshold > ot.Threshold {
		if ts == "" {
			span.TraceState().FromRaw(rate.TraceState)
		} else {
			span.TraceState().FromRaw(threshold.WithThreshold(ts, rate.Threshold))
		}
	}
	if ruleAttr != "" {
		span.Attributes().PutStr(ruleAttr, ruleName)
	}
}
