package main

import (
	"context"

	"github.com/otelgate/otelgate/internal/loadgen"
)

// sendLoad drives realistic traces, metrics and logs into the gateway and
// returns, per signal, the items the gateway acknowledged and those it refused.
// headers (the gateway's token) go with every request.
func sendLoad(ctx context.Context, endpoint string, headers map[string]string, o options) (map[string][2]int64, error) {
	gen := loadgen.DefaultConfig()
	gen.Seed = o.Seed
	gen.PII = true
	res, err := loadgen.Run(ctx, loadgen.RunConfig{
		Endpoint:    endpoint,
		Signals:     []loadgen.Signal{loadgen.SignalTraces, loadgen.SignalMetrics, loadgen.SignalLogs},
		Connections: 2,
		Rate:        float64(o.Rate),
		Duration:    o.Duration,
		Batch:       100,
		Generator:   gen,
		Headers:     headers,
		// points at wall-clock time land in their own aggregation window
		MetricsAtWallClock: !o.FixedTimestamps,
	})
	if err != nil {
		return nil, err
	}
	out := map[string][2]int64{}
	for _, s := range res.Signals() {
		out[string(s.Signal)] = [2]int64{s.Acknowledged, s.Rejected + s.FailedItems}
	}
	return out, nil
}
