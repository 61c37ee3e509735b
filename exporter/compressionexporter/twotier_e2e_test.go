package compressionexporter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// splitBySpan returns two requests holding alternate spans of td, so the
// spans of one trace arrive at tier 1 in different requests.
func splitBySpan(td ptrace.Traces) (ptrace.Traces, ptrace.Traces) {
	a, b := ptrace.NewTraces(), ptrace.NewTraces()
	n := 0
	for _, rs := range td.ResourceSpans().All() {
		ra, rb := a.ResourceSpans().AppendEmpty(), b.ResourceSpans().AppendEmpty()
		rs.Resource().CopyTo(ra.Resource())
		rs.Resource().CopyTo(rb.Resource())
		for _, ss := range rs.ScopeSpans().All() {
			sa, sb := ra.ScopeSpans().AppendEmpty(), rb.ScopeSpans().AppendEmpty()
			ss.Scope().CopyTo(sa.Scope())
			ss.Scope().CopyTo(sb.Scope())
			for _, sp := range ss.Spans().All() {
				if n%2 == 0 {
					sp.CopyTo(sa.Spans().AppendEmpty())
				} else {
					sp.CopyTo(sb.Spans().AppendEmpty())
				}
				n++
			}
		}
	}
	return a, b
}

// TestE2ETwoTierKeepsTracesWhole runs examples/two-tier: two tier-1
// gateways routing by trace ID to two tier-2 gateways that tail-sample
// (errors kept, 25% of the rest). Every trace is sent in two halves, one
// to each tier-1 gateway. At the backend every kept trace is complete and
// every trace with an error span is kept; both tier-2 gateways did work.
func TestE2ETwoTierKeepsTracesWhole(t *testing.T) {
	e2etest.SkipIfShort(t)
	sink := e2etest.StartSink(t)
	tier2 := map[string]string{"TIER2_DECISION_DELAY": "1s"}
	a := e2etest.StartGateway(t, e2etest.GatewayOptions{Config: "examples/two-tier/tier2.yaml", Sink: sink, Env: tier2})
	b := e2etest.StartGateway(t, e2etest.GatewayOptions{Config: "examples/two-tier/tier2.yaml", Sink: sink, Env: tier2})
	env := map[string]string{"TIER2_A": a.GRPCEndpoint, "TIER2_B": b.GRPCEndpoint}
	t1x := e2etest.StartGateway(t, e2etest.GatewayOptions{Config: "examples/two-tier/tier1.yaml", Env: env})
	t1y := e2etest.StartGateway(t, e2etest.GatewayOptions{Config: "examples/two-tier/tier1.yaml", Env: env})

	want := map[pcommon.TraceID]int{}
	withError := map[pcommon.TraceID]bool{}
	for i := range 10 {
		td := workload.Traces(uint64(3000+i), 400)
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					want[sp.TraceID()]++
					if sp.Status().Code() == ptrace.StatusCodeError {
						withError[sp.TraceID()] = true
					}
				}
			}
		}
		x, y := splitBySpan(td)
		t1x.SendTraces(t, x)
		t1y.SendTraces(t, y)
	}
	require.NotEmpty(t, withError, "the workload has traces with errors")

	// Wait until every error trace is complete, then for stragglers.
	got := func() map[pcommon.TraceID]int { return spansByTrace(sink.AllTraces()) }
	require.Eventually(t, func() bool {
		g := got()
		for id := range withError {
			if g[id] != want[id] {
				return false
			}
		}
		return true
	}, 60*time.Second, 100*time.Millisecond, "every trace with an error is kept whole")
	time.Sleep(2 * time.Second) // decision_delay 1s: anything still buffered is decided by now

	g := got()
	for id, n := range g {
		assert.Equal(t, want[id], n, "kept trace %s is complete (and not duplicated)", id)
	}
	kept := float64(len(g)) / float64(len(want))
	t.Logf("%d traces sent, %d kept (%.0f%%), %d with errors", len(want), len(g), 100*kept, len(withError))
	assert.Less(t, kept, 0.9, "tail sampling dropped traces")
	for name, gw := range map[string]*e2etest.Gateway{"tier 2 A": a, "tier 2 B": b} {
		accepted := gatewayproc.SumSamples(gw.Scrape(t), "otelcol_receiver_accepted_spans", nil)
		assert.Greater(t, accepted, 0.0, "%s received traces", name)
	}
}
