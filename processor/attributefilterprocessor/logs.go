package attributefilterprocessor

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
)

func (f *filter) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	p := f.policy
	if !p.testsKind(match.KindLog) && !p.hasKeyWork() {
		// Nothing configured for this signal: the batch passes untouched.
		if ld.ResourceLogs().Len() == 0 {
			return ld, processorhelper.ErrSkipProcessingData
		}
		return ld, nil
	}
	st := f.newStats()
	rules, keys := p.hasRules(), p.hasKeyWork()
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		r := record{kind: match.KindLog, resource: rl.Resource().Attributes()}
		emptied := false
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			p.enterScope(&r, sl.Scope().Attributes(), sl.Scope().Name())
			lrs := sl.LogRecords()
			had := lrs.Len()
			lrs.RemoveIf(func(lr plog.LogRecord) bool {
				r.log, r.attrs = lr, lr.Attributes()
				if rules {
					if v := p.verdict(&r); v >= 0 {
						f.countDrop(st, match.KindLog, v)
						return true
					}
				}
				if keys {
					p.clean(lr.Attributes(), levelRecord, st)
				}
				return false
			})
			if had > 0 && lrs.Len() == 0 {
				emptied = true
				return true
			}
			if keys {
				p.clean(sl.Scope().Attributes(), levelScope, st)
			}
			return false
		})
		if emptied && rl.ScopeLogs().Len() == 0 {
			return true
		}
		if keys {
			p.clean(rl.Resource().Attributes(), levelResource, st)
		}
		return false
	})
	f.flush(ctx, st)
	if ld.ResourceLogs().Len() == 0 {
		return ld, processorhelper.ErrSkipProcessingData
	}
	return ld, nil
}
