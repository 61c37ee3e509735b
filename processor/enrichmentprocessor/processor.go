package enrichmentprocessor

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func (e *enricher) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	var b batch
	e.bind(ctx, &b)
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		res := rs.Resource().Attributes()
		b.applyResource(res)
		if len(b.record) == 0 {
			continue
		}
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				b.applyRecord(span.Attributes(), res)
			}
		}
	}
	e.flush(ctx, &b)
	return td, nil
}

func (e *enricher) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	var b batch
	e.bind(ctx, &b)
	rls := ld.ResourceLogs()
	for i := range rls.Len() {
		rl := rls.At(i)
		res := rl.Resource().Attributes()
		b.applyResource(res)
		if len(b.record) == 0 {
			continue
		}
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				b.applyRecord(lr.Attributes(), res)
			}
		}
	}
	e.flush(ctx, &b)
	return ld, nil
}

func (e *enricher) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	var b batch
	e.bind(ctx, &b)
	rms := md.ResourceMetrics()
	for i := range rms.Len() {
		rm := rms.At(i)
		res := rm.Resource().Attributes()
		b.applyResource(res)
		if len(b.record) == 0 {
			continue
		}
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				b.applyDataPoints(m, res)
			}
		}
	}
	e.flush(ctx, &b)
	return md, nil
}
