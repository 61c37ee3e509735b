package aggregationprocessor

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// registerActiveSeries reports the series of the open windows of every
// rule through the active-series gauge.
func (p *aggregationProcessor) registerActiveSeries() error {
	return p.tel.RegisterProcessorAggregationActiveSeriesCallback(func(_ context.Context, o metric.Int64Observer) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, r := range p.rules {
			o.Observe(int64(r.agg.Active()), r.attrs.(metric.ObserveOption))
		}
		return nil
	})
}

// recordBatch adds the per-batch counts of every rule to the processor's
// counters and resets them.
func (p *aggregationProcessor) recordBatch(ctx context.Context) {
	for _, r := range p.rules {
		p.mu.Lock()
		in, moved, dropped, invalid, full, over, bounds := r.in, r.lateMoved, r.lateDropped, r.invalid, r.inputFull, r.overflowed, r.boundsRejected
		r.in, r.lateMoved, r.lateDropped, r.invalid, r.inputFull, r.overflowed, r.boundsRejected = 0, 0, 0, 0, 0, 0, 0
		p.mu.Unlock()
		add := func(c metric.Int64Counter, v int64, extra ...attribute.KeyValue) {
			if v == 0 {
				return
			}
			if len(extra) == 0 {
				c.Add(ctx, v, r.attrs.(metric.AddOption))
				return
			}
			c.Add(ctx, v, metric.WithAttributes(append([]attribute.KeyValue{attribute.String("rule", r.name)}, extra...)...))
		}
		add(p.tel.ProcessorAggregationInputPoints, in)
		add(p.tel.ProcessorAggregationLatePoints, moved, attribute.String("action", LateCurrentWindow))
		add(p.tel.ProcessorAggregationLatePoints, dropped, attribute.String("action", LateDrop))
		add(p.tel.ProcessorAggregationDroppedPoints, dropped, attribute.String("reason", "late"))
		add(p.tel.ProcessorAggregationDroppedPoints, invalid, attribute.String("reason", "invalid"))
		add(p.tel.ProcessorAggregationDroppedPoints, full, attribute.String("reason", "input_series_limit"))
		add(p.tel.ProcessorAggregationDroppedPoints, bounds, attribute.String("reason", "histogram_bounds"))
		add(p.tel.ProcessorAggregationOverflowSeries, over)
	}
}
