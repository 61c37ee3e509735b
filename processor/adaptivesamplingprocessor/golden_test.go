package adaptivesamplingprocessor

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestGolden runs testdata/golden/<case>/: config.yaml configures the
// processor, input.yaml goes in and expected.yaml is what it forwards. In
// tail mode nothing may be forwarded before the traces are decided, at
// trace_timeout + decision_delay on the test's clock.
func TestGolden(t *testing.T) {
	testutil.RunGolden(t, func(c testutil.GoldenCase) {
		t := c.T
		cfg := createDefaultConfig().(*Config)
		c.LoadConfig(t, cfg)
		clock := newTestClock()
		proc, p, sink := startTracesClock(t, cfg, nil, clock)
		ctx := context.Background()
		require.NoError(t, proc.ConsumeTraces(ctx, c.Traces(t, "")))
		if cfg.Mode != ModeTail {
			require.Len(t, sink.AllTraces(), 1, "batches forwarded")
			c.ExpectTraces(t, "", sink.AllTraces()[0])
			return
		}
		require.Zero(t, sink.SpanCount(), "spans forwarded before the decisions")
		require.NoError(t, p.tail.flushReady(ctx, clock.Advance(cfg.TraceTimeout+cfg.DecisionDelay)))
		got := ptrace.NewTraces()
		for _, td := range sink.AllTraces() {
			td.ResourceSpans().MoveAndAppendTo(got.ResourceSpans())
		}
		c.ExpectTraces(t, "", got, ptracetest.IgnoreResourceSpansOrder())
	})
}
