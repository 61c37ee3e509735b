package adaptivesamplingprocessor

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/threshold"
)

func tailConfig(rules ...RuleConfig) *Config {
	cfg := testConfig(rules...)
	cfg.Mode = ModeTail
	cfg.TraceTimeout = 10 * time.Second
	cfg.DecisionDelay = time.Second
	return cfg
}

// traceSpecs returns the spans of one trace: a root and children.
func traceSpecs(id pcommon.TraceID, children int, errorChild bool) []spanSpec {
	specs := []spanSpec{{traceID: id, spanID: 0}}
	for c := range children {
		specs = append(specs, spanSpec{traceID: id, spanID: byte(c + 1), parent: true, errorSpan: errorChild && c == children-1})
	}
	return specs
}

func TestTailKeepsEveryErrorTrace(t *testing.T) {
	cfg := tailConfig(
		RuleConfig{Name: "errors", Conditions: []string{`status.code == STATUS_CODE_ERROR`}, Type: SamplerAlwaysSample},
		RuleConfig{Name: "rest", Type: SamplerProbabilistic, SamplingPercentage: 1},
	)
	clock := newTestClock()
	proc, p, sink := startTracesClock(t, cfg, nil, clock)

	r := rand.New(rand.NewPCG(21, 21))
	const traces = 2000
	errorTraces := map[pcommon.TraceID]bool{}
	var first, second []spanSpec
	for i := range traces {
		id := randomTraceID(r)
		isErr := i%20 == 0
		if isErr {
			errorTraces[id] = true
		}
		specs := traceSpecs(id, 4, isErr)
		// Children (with the error) arrive in a second batch, after the root.
		first = append(first, specs[:2]...)
		second = append(second, specs[2:]...)
	}
	feed(t, context.Background(), proc, first)
	clock.Advance(500 * time.Millisecond) // within decision_delay
	feed(t, context.Background(), proc, second)
	if n := sink.SpanCount(); n != 0 {
		t.Fatalf("%d spans forwarded before any decision", n)
	}
	if tr, sp := p.tail.buffered(); tr != traces || sp != traces*5 {
		t.Fatalf("buffered %d traces / %d spans", tr, sp)
	}
	if err := p.tail.flushReady(context.Background(), clock.Advance(time.Second)); err != nil {
		t.Fatal(err)
	}
	spansByTrace := map[pcommon.TraceID]int{}
	for _, s := range keptSpans(sink) {
		spansByTrace[s.TraceID()]++
		want := "rest"
		if errorTraces[s.TraceID()] {
			want = "errors"
		}
		if got := attrStr(s, "sampling.rule"); got != want {
			t.Fatalf("span of trace %v: rule %q, want %q", s.TraceID(), got, want)
		}
		if ot := threshold.ParseTraceState(s.TraceState().AsRaw()); !ot.HasThreshold {
			t.Fatalf("kept span without th")
		}
	}
	for id := range errorTraces {
		if spansByTrace[id] != 5 {
			t.Fatalf("error trace %v: %d of 5 spans kept", id, spansByTrace[id])
		}
	}
	rest := len(spansByTrace) - len(errorTraces)
	if rest < 5 || rest > 40 {
		t.Fatalf("kept %d of %d other traces at 1%%", rest, traces-len(errorTraces))
	}
	for id, n := range spansByTrace {
		if n != 5 {
			t.Fatalf("trace %v kept partially: %d spans", id, n)
		}
	}
	if tr, sp := p.tail.buffered(); tr != 0 || sp != 0 {
		t.Fatalf("still buffered %d/%d", tr, sp)
	}

	// Late spans follow the cached decision.
	sink.Reset()
	var late []spanSpec
	for id := range spansByTrace {
		late = append(late, spanSpec{traceID: id, spanID: 99, parent: true})
	}
	dropped := 0
	r2 := rand.New(rand.NewPCG(21, 21))
	for range 50 {
		id := randomTraceID(r2)
		if _, kept := spansByTrace[id]; !kept {
			late = append(late, spanSpec{traceID: id, spanID: 99, parent: true})
			dropped++
		}
	}
	feed(t, context.Background(), proc, late)
	if sink.SpanCount() != len(spansByTrace) {
		t.Fatalf("late spans forwarded %d, want %d", sink.SpanCount(), len(spansByTrace))
	}
	if p.tail.lateSampled.Load() != int64(len(spansByTrace)) || p.tail.lateNotSampled.Load() != int64(dropped) {
		t.Fatalf("late counters %d/%d", p.tail.lateSampled.Load(), p.tail.lateNotSampled.Load())
	}
	if tr, _ := p.tail.buffered(); tr != 0 {
		t.Fatalf("late spans of decided traces were buffered: %d", tr)
	}
}

func TestTailMemoryBoundedUnderBurst(t *testing.T) {
	cfg := tailConfig(RuleConfig{Name: "half", Type: SamplerProbabilistic, SamplingPercentage: 50})
	cfg.NumTraces = 500
	cfg.SpanLimit = 50
	clock := newTestClock()
	proc, p, sink := startTracesClock(t, cfg, nil, clock)

	r := rand.New(rand.NewPCG(5, 6))
	const traces = 10 * 500
	var specs []spanSpec
	for range traces {
		specs = append(specs, traceSpecs(randomTraceID(r), 2, false)...)
	}
	// The first half arrives in batches, the second half in one request.
	maxTraces, maxSpans := int64(0), int64(0)
	half := len(specs) / 2
	for i := 0; i < half; i += 1500 {
		feed(t, context.Background(), proc, specs[i:min(i+1500, half)])
		tr, sp := p.tail.buffered()
		maxTraces, maxSpans = max(maxTraces, tr), max(maxSpans, sp)
	}
	if err := proc.ConsumeTraces(context.Background(), buildTraces(specs[half:])); err != nil {
		t.Fatal(err)
	}
	tr, sp := p.tail.buffered()
	maxTraces, maxSpans = max(maxTraces, tr), max(maxSpans, sp)
	if maxTraces > int64(cfg.NumTraces) || maxSpans > int64(cfg.NumTraces*cfg.SpanLimit) {
		t.Fatalf("buffer grew to %d traces / %d spans, bounds %d / %d", maxTraces, maxSpans, cfg.NumTraces, cfg.NumTraces*cfg.SpanLimit)
	}
	// Every buffered trace is whole (3 spans): the oldest traces left, not parts of traces.
	if tr != int64(cfg.NumTraces) || sp != 3*tr {
		t.Fatalf("after the burst %d traces / %d spans buffered, want %d / %d", tr, sp, cfg.NumTraces, 3*cfg.NumTraces)
	}
	if got := p.tail.earlyFull.Load(); got != traces-int64(cfg.NumTraces) {
		t.Fatalf("early decisions %d, want %d", got, traces-cfg.NumTraces)
	}
	// Shutdown decides what is left: nothing is lost undecided.
	if err := proc.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	rule := p.rules[0]
	if decided := rule.sampled.Load() + rule.notSampled.Load(); decided != traces {
		t.Fatalf("decided %d of %d traces", decided, traces)
	}
	if got := sink.SpanCount(); got != int(rule.sampled.Load())*3 {
		t.Fatalf("forwarded %d spans for %d kept traces", got, rule.sampled.Load())
	}
	if f := float64(rule.sampled.Load()) / traces; math.Abs(f-0.5) > 0.03 {
		t.Fatalf("kept fraction %v", f)
	}
}

func TestTailSpanLimitDecidesEarly(t *testing.T) {
	cfg := tailConfig(RuleConfig{Name: "all", Type: SamplerAlwaysSample})
	cfg.SpanLimit = 3
	proc, p, sink := startTraces(t, cfg, nil)
	r := rand.New(rand.NewPCG(1, 9))
	feed(t, context.Background(), proc, traceSpecs(randomTraceID(r), 4, false))
	// 3 spans reach the limit and are decided at once; the 4th and 5th are late spans.
	if sink.SpanCount() != 5 || p.tail.earlyLimit.Load() != 1 || p.tail.lateSampled.Load() != 2 {
		t.Fatalf("forwarded %d, early %d, late %d", sink.SpanCount(), p.tail.earlyLimit.Load(), p.tail.lateSampled.Load())
	}
}

func TestTailRespectsIncomingThreshold(t *testing.T) {
	cfg := tailConfig(RuleConfig{Name: "all", Type: SamplerAlwaysSample})
	proc, p, sink := startTraces(t, cfg, nil)
	r := rand.New(rand.NewPCG(2, 9))
	var specs []spanSpec
	for range 1000 {
		s := traceSpecs(randomTraceID(r), 1, false)
		s[0].tracestate = "ot=th:c"
		specs = append(specs, s...)
	}
	feed(t, context.Background(), proc, specs)
	if err := p.tail.flushReady(context.Background(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	kept := keptSpans(sink)
	for _, s := range kept {
		if ts := s.TraceState().AsRaw(); s.ParentSpanID().IsEmpty() && ts != "ot=th:c" {
			t.Fatalf("root tracestate %q, want ot=th:c", ts)
		}
	}
	// Traces whose randomness is below th:c were dropped upstream's way.
	if f := float64(len(kept)) / 2000; math.Abs(f-0.25) > 0.04 {
		t.Fatalf("kept %.3f, want 0.25", f)
	}
}

// A rule can look at the whole trace: the root span's duration decides even
// though it arrives after the children.
func TestTailSlowRootRule(t *testing.T) {
	// The README's tail example, with the catch-all at 0%.
	cfg := loadConfig(t, "tail")
	cfg.Rules[2].SamplingPercentage = 0
	proc, p, sink := startTraces(t, cfg, nil)
	r := rand.New(rand.NewPCG(6, 6))
	slow := map[pcommon.TraceID]bool{}
	for i := range 100 {
		id := randomTraceID(r)
		// Children first, root last.
		specs := traceSpecs(id, 3, false)
		td := buildTraces(append(specs[1:], specs[0]))
		spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		root := spans.At(spans.Len() - 1)
		dur := time.Second
		if i%4 == 0 {
			dur = 3 * time.Second
			slow[id] = true
		}
		for j := 0; j < spans.Len(); j++ {
			// Children are as long as the root: only the root's duration counts.
			spans.At(j).SetStartTimestamp(pcommon.NewTimestampFromTime(time.Unix(100, 0)))
			spans.At(j).SetEndTimestamp(pcommon.NewTimestampFromTime(time.Unix(100, 0).Add(dur)))
		}
		if !root.ParentSpanID().IsEmpty() {
			t.Fatal("root is not last")
		}
		if err := proc.ConsumeTraces(context.Background(), td); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.tail.flushReady(context.Background(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	kept := map[pcommon.TraceID]int{}
	for _, s := range keptSpans(sink) {
		kept[s.TraceID()]++
		if got := attrStr(s, "otelgate.sampling.rule"); got != "slow" {
			t.Fatalf("rule attribute %q", got)
		}
	}
	if len(kept) != len(slow) {
		t.Fatalf("kept %d traces, %d were slow", len(kept), len(slow))
	}
	for id := range slow {
		if kept[id] != 4 {
			t.Fatalf("slow trace %v: %d of 4 spans kept", id, kept[id])
		}
	}
}
