package attributefilterprocessor

import (
	"context"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
)

func (f *filter) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	p := f.policy
	if !p.testsKind(match.KindSpan|match.KindSpanEvent|match.KindSpanLink) && !p.hasKeyWork() {
		// Nothing configured for this signal: the batch passes untouched.
		if td.ResourceSpans().Len() == 0 {
			return td, processorhelper.ErrSkipProcessingData
		}
		return td, nil
	}
	st := f.newStats()
	rules, keys := p.hasRules(), p.hasKeyWork()
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		r := record{resource: rs.Resource().Attributes()}
		emptied := false
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			p.enterScope(&r, ss.Scope().Attributes(), ss.Scope().Name())
			spans := ss.Spans()
			had := spans.Len()
			spans.RemoveIf(func(span ptrace.Span) bool {
				r.kind, r.span, r.attrs = match.KindSpan, span, span.Attributes()
				if rules {
					if v := p.verdict(&r); v >= 0 {
						f.countDrop(st, match.KindSpan, v)
						return true
					}
				}
				f.spanChildren(&r, span, st, rules, keys)
				if keys {
					p.clean(span.Attributes(), levelRecord, st)
				}
				return false
			})
			if had > 0 && spans.Len() == 0 {
				emptied = true
				return true
			}
			if keys {
				p.clean(ss.Scope().Attributes(), levelScope, st)
			}
			return false
		})
		if emptied && rs.ScopeSpans().Len() == 0 {
			return true
		}
		if keys {
			p.clean(rs.Resource().Attributes(), levelResource, st)
		}
		return false
	})
	f.flush(ctx, st)
	if td.ResourceSpans().Len() == 0 {
		return td, processorhelper.ErrSkipProcessingData
	}
	return td, nil
}

// spanChildren drops and cleans the events and links of a kept span.
func (f *filter) spanChildren(r *record, span ptrace.Span, st *stats, rules, keys bool) {
	p := f.policy
	if events := span.Events(); events.Len() > 0 {
		if rules && p.testsKind(match.KindSpanEvent) {
			events.RemoveIf(func(ev ptrace.SpanEvent) bool {
				r.kind, r.event, r.attrs = match.KindSpanEvent, ev, ev.Attributes()
				if v := p.verdict(r); v >= 0 {
					f.countDrop(st, match.KindSpanEvent, v)
					span.SetDroppedEventsCount(span.DroppedEventsCount() + 1)
					return true
				}
				return false
			})
		}
		if keys {
			for i := 0; i < events.Len(); i++ {
				p.clean(events.At(i).Attributes(), levelRecord, st)
			}
		}
	}
	if links := span.Links(); links.Len() > 0 {
		if rules && p.testsKind(match.KindSpanLink) {
			links.RemoveIf(func(l ptrace.SpanLink) bool {
				r.kind, r.attrs = match.KindSpanLink, l.Attributes()
				if v := p.verdict(r); v >= 0 {
					f.countDrop(st, match.KindSpanLink, v)
					span.SetDroppedLinksCount(span.DroppedLinksCount() + 1)
					return true
				}
				return false
			})
		}
		if keys {
			for i := 0; i < links.Len(); i++ {
				p.clean(links.At(i).Attributes(), levelRecord, st)
			}
		}
	}
	r.kind, r.attrs = match.KindSpan, span.Attributes()
}
