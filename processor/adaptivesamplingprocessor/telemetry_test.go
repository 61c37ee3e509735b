package adaptivesamplingprocessor

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"
)

func TestOwnTelemetry(t *testing.T) {
	tt := componenttest.NewTelemetry()
	defer func() { _ = tt.Shutdown(context.Background()) }()
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tt.NewTelemetrySettings()

	cfg := tailConfig(
		RuleConfig{Name: "errors", Conditions: []string{`status.code == STATUS_CODE_ERROR`}, Type: SamplerAlwaysSample},
		RuleConfig{Name: "rest", Type: SamplerAdaptivePercentage, GoalPercentage: 50, FingerprintAttributes: []string{"route"}},
	)
	cfg.NumTraces = 10
	sink := new(consumertest.TracesSink)
	var p *tracesProcessor
	clock := newTestClock()
	proc, err := newTracesProcessorWith(set, cfg, sink, func(tp *tracesProcessor) {
		p = tp
		p.now, p.manual = clock.Now, true
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = proc.Shutdown(context.Background()) }()

	r := rand.New(rand.NewPCG(4, 2))
	var specs []spanSpec
	for i := range 30 {
		s := traceSpecs(randomTraceID(r), 1, i%3 == 0)
		s[0].key, s[1].key = "/a", "/a"
		specs = append(specs, s...)
	}
	feed(t, context.Background(), proc, specs)
	if got := testutil.IntSum(t, tt.Reader, "otelcol_processor_adaptive_sampling_buffered_traces"); got != 10 {
		t.Fatalf("buffered_traces %d, want 10", got)
	}
	if got := testutil.IntSum(t, tt.Reader, "otelcol_processor_adaptive_sampling_buffered_spans"); got != 20 {
		t.Fatalf("buffered_spans %d, want 20", got)
	}
	if got := testutil.IntSum(t, tt.Reader, "otelcol_processor_adaptive_sampling_early_decisions", attribute.String("reason", "buffer_full")); got != 20 {
		t.Fatalf("early_decisions %d, want 20", got)
	}
	if err := p.tail.flushReady(context.Background(), clock.Advance(time.Hour)); err != nil {
		t.Fatal(err)
	}
	errs := testutil.IntSum(t, tt.Reader, "otelcol_processor_adaptive_sampling_decisions", attribute.String("rule", "errors"), attribute.String("outcome", "sampled"))
	restKept := testutil.IntSum(t, tt.Reader, "otelcol_processor_adaptive_sampling_decisions", attribute.String("rule", "rest"), attribute.String("outcome", "sampled"))
	restDropped := testutil.IntSum(t, tt.Reader, "otelcol_processor_adaptive_sampling_decisions", attribute.String("rule", "rest"), attribute.String("outcome", "not_sampled"))
	if errs != 10 || restKept+restDropped != 20 {
		t.Fatalf("decisions: errors %d, rest %d kept + %d dropped", errs, restKept, restDropped)
	}
	if int64(sink.SpanCount()) != 2*(errs+restKept) {
		t.Fatalf("forwarded %d spans for %d kept traces", sink.SpanCount(), errs+restKept)
	}
	p.adjust(context.Background())
	m, err := tt.GetMetric("otelcol_processor_adaptive_sampling_key_probability")
	if err != nil {
		t.Fatal(err)
	}
	g := m.Data.(metricdata.Gauge[float64])
	if len(g.DataPoints) != 1 {
		t.Fatalf("key_probability points %d", len(g.DataPoints))
	}
	if k, _ := g.DataPoints[0].Attributes.Value("key"); k.AsString() != "/a" || g.DataPoints[0].Value != 0.5 {
		t.Fatalf("key_probability %v = %v", k.AsString(), g.DataPoints[0].Value)
	}
}

// The budget guard reports its activations per rule, and guards tail-mode
// decisions too: whole traces decided at each flush count against the budget.
func TestBudgetGuardTelemetryAndTailMode(t *testing.T) {
	tt := componenttest.NewTelemetry()
	defer func() { _ = tt.Shutdown(context.Background()) }()
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tt.NewTelemetrySettings()

	cfg := tailConfig(RuleConfig{Name: "budget", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 50, FingerprintAttributes: []string{"route"}})
	cfg.AdjustmentInterval = 10 * time.Second
	sink := new(consumertest.TracesSink)
	var p *tracesProcessor
	clock := newTestClock()
	proc, err := newTracesProcessorWith(set, cfg, sink, func(tp *tracesProcessor) {
		p = tp
		p.now, p.manual = clock.Now, true
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = proc.Shutdown(context.Background()) }()

	// 2500 traces of 2 spans over one interval, budget 500 spans: before the
	// first adjustment the rate is 1 and only the guard holds the budget.
	r := rand.New(rand.NewPCG(6, 6))
	for range 50 {
		var specs []spanSpec
		for range 50 {
			specs = append(specs, traceSpecs(randomTraceID(r), 1, false)...)
		}
		feed(t, context.Background(), proc, specs)
		if err := p.tail.flushReady(context.Background(), clock.Now().Add(cfg.DecisionDelay)); err != nil {
			t.Fatal(err)
		}
		clock.Advance(cfg.AdjustmentInterval / 50)
	}
	if got := sink.SpanCount(); got < 450 || got > 550 {
		t.Fatalf("tail mode kept %d spans in the interval, want 500 ± 10%%", got)
	}
	activations := p.rules[0].table.GuardActivations()
	if activations == 0 {
		t.Fatal("guard did not activate")
	}
	if got := testutil.IntSum(t, tt.Reader, "otelcol_processor_adaptive_sampling_budget_guard", attribute.String("rule", "budget"), attribute.String("signal", "traces")); got != activations {
		t.Fatalf("budget_guard metric %d, want %d", got, activations)
	}
}
