package encryptionprocessor // import "github.com/otelgate/otelgate/processor/encryptionprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

func (p *encryptionProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	r := p.newRun()
	var err error
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		if err != nil {
			return false
		}
		var drop bool
		if drop, err = r.attrs(rs.Resource().Attributes(), codec.LevelResource); drop || err != nil {
			if drop {
				for i := 0; i < rs.ScopeSpans().Len(); i++ {
					r.dropped += int64(rs.ScopeSpans().At(i).Spans().Len())
				}
			}
			return drop
		}
		had := rs.ScopeSpans().Len()
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			if err != nil {
				return false
			}
			if drop, err = r.attrs(ss.Scope().Attributes(), codec.LevelScope); drop || err != nil {
				if drop {
					r.dropped += int64(ss.Spans().Len())
				}
				return drop
			}
			spans := ss.Spans()
			n := spans.Len()
			spans.RemoveIf(func(s ptrace.Span) bool {
				if err != nil {
					return false
				}
				drop, err = r.span(s)
				r.dropped += b2i(drop)
				return drop
			})
			return n > 0 && spans.Len() == 0
		})
		return had > 0 && rs.ScopeSpans().Len() == 0
	})
	if err != nil {
		return td, err
	}
	r.flush(ctx)
	if r.dropped > 0 && td.ResourceSpans().Len() == 0 {
		return td, processorhelper.ErrSkipProcessingData
	}
	return td, nil
}

// span handles the attributes of a span, its events and its links.
func (r *run) span(s ptrace.Span) (bool, error) {
	if drop, err := r.attrs(s.Attributes(), codec.LevelRecord); drop || err != nil {
		return drop, err
	}
	events := s.Events()
	for i := 0; i < events.Len(); i++ {
		if drop, err := r.attrs(events.At(i).Attributes(), codec.LevelEvent); drop || err != nil {
			return drop, err
		}
	}
	links := s.Links()
	for i := 0; i < links.Len(); i++ {
		if drop, err := r.attrs(links.At(i).Attributes(), codec.LevelLink); drop || err != nil {
			return drop, err
		}
	}
	return false, nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
