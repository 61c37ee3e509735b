package adaptivesamplingprocessor

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// updateGolden rewrites expected.yaml files from the processor's output
// (review the diff before keeping it).
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/*/expected.yaml")

// TestGoldenTail: testdata/tail/{input,expected}.yaml show whole-trace
// decisions: a trace is kept or dropped with all its spans, an error anywhere
// keeps it, and every kept span carries the threshold the trace was decided
// with (the stricter of the rule's and the strictest incoming one).
func TestGoldenTail(t *testing.T) {
	cfg := tailConfig(
		RuleConfig{Name: "errors", Conditions: []string{`status.code == STATUS_CODE_ERROR`}, Type: SamplerAlwaysSample},
		RuleConfig{Name: "rest", Type: SamplerProbabilistic, SamplingPercentage: 50},
	)
	clock := newTestClock()
	proc, p, sink := startTracesClock(t, cfg, nil, clock)
	input, err := golden.ReadTraces(filepath.Join("testdata", "tail", "input.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.ConsumeTraces(context.Background(), input); err != nil {
		t.Fatal(err)
	}
	if n := sink.SpanCount(); n != 0 {
		t.Fatalf("%d spans forwarded before the decisions", n)
	}
	if err := p.tail.flushReady(context.Background(), clock.Advance(cfg.TraceTimeout+cfg.DecisionDelay)); err != nil {
		t.Fatal(err)
	}
	got := ptrace.NewTraces()
	for _, td := range sink.AllTraces() {
		td.ResourceSpans().MoveAndAppendTo(got.ResourceSpans())
	}
	path := filepath.Join("testdata", "tail", "expected.yaml")
	if *updateGolden {
		if err := golden.WriteTraces(t, path, got); err != nil {
			t.Fatal(err)
		}
	}
	expected, err := golden.ReadTraces(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ptracetest.CompareTraces(expected, got, ptracetest.IgnoreResourceSpansOrder()); err != nil {
		t.Fatal(err)
	}
}
