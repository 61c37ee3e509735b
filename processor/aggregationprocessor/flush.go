package aggregationprocessor

import (
	"context"
	"math"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/window"
)

func (p *aggregationProcessor) run() {
	defer p.wg.Done()
	var ckpt <-chan time.Time
	if p.client != nil {
		t := time.NewTicker(p.cfg.CheckpointInterval)
		defer t.Stop()
		ckpt = t.C
	}
	// Windows restored from a checkpoint may have ended already.
	_ = p.flush(context.Background(), p.cutoff(p.now()), false)
	for {
		now := p.now()
		timer := time.NewTimer(p.nextFlush(now).Sub(now))
		select {
		case <-p.done:
			timer.Stop()
			return
		case <-ckpt:
			timer.Stop()
			if err := p.checkpoint(context.Background()); err != nil {
				p.logger.Warn("aggregation checkpoint failed", zap.Error(err))
			}
		case <-timer.C:
			_ = p.flush(context.Background(), p.cutoff(p.now()), false)
		}
	}
}

// cutoff is the time up to which windows are closed at now: flush_delay
// earlier, so points that arrive up to flush_delay after their window ended
// still go to it.
func (p *aggregationProcessor) cutoff(now time.Time) time.Time {
	return now.Add(-p.cfg.FlushDelay)
}

// nextFlush is when the next window of any rule is due to close after now:
// its end plus flush_delay.
func (p *aggregationProcessor) nextFlush(now time.Time) time.Time {
	return p.nextBoundary(p.cutoff(now)).Add(p.cfg.FlushDelay)
}

// nextBoundary is the next end of a window of any rule after now.
func (p *aggregationProcessor) nextBoundary(now time.Time) time.Time {
	n := now.UnixNano()
	next := int64(math.MaxInt64)
	for _, r := range p.rules {
		iv := r.cfg.Interval.Nanoseconds()
		next = min(next, (n/iv+1)*iv)
	}
	return time.Unix(0, next)
}

// flush emits the windows that ended by now (every window when all is set)
// to the next consumer.
func (p *aggregationProcessor) flush(ctx context.Context, now time.Time, all bool) error {
	began := time.Now()
	md := pmetric.NewMetrics()
	outs := make([]int64, len(p.rules))
	p.mu.Lock()
	n := now.UnixNano()
	flushed := false
	for i, r := range p.rules {
		var ws []*window.Window
		if all {
			ws = r.agg.FlushAll()
		} else {
			ws = r.agg.Flush(n)
		}
		for _, w := range ws {
			outs[i] += int64(r.agg.Emit(w, md, r.namer))
		}
		flushed = flushed || len(ws) > 0
		r.inputs.Expire(n - inputIdleIntervals*r.cfg.Interval.Nanoseconds())
	}
	p.mu.Unlock()
	removeEmptyMetrics(md)
	ctx = context.WithoutCancel(ctx)
	for i, r := range p.rules {
		if outs[i] > 0 {
			p.tel.ProcessorAggregationOutputPoints.Add(ctx, outs[i], r.attrs.(metric.AddOption))
		}
	}
	if !flushed {
		return nil
	}
	p.tel.ProcessorAggregationFlushDuration.Record(ctx, time.Since(began).Seconds())
	var err error
	if md.DataPointCount() > 0 {
		if err = p.next.ConsumeMetrics(ctx, md); err != nil {
			p.logger.Error("aggregation: next consumer refused the flushed windows", zap.Int("data_points", md.DataPointCount()), zap.Error(err))
		}
	}
	if p.client != nil && !all {
		if cerr := p.checkpoint(ctx); cerr != nil {
			p.logger.Warn("aggregation checkpoint failed", zap.Error(cerr))
		}
	}
	return err
}

func removeEmptyMetrics(md pmetric.Metrics) {
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool { return pointCount(m) == 0 })
			return sm.Metrics().Len() == 0
		})
		return rm.ScopeMetrics().Len() == 0
	})
}

func pointCount(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}
