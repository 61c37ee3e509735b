package adaptivesamplingprocessor_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/threshold"
)

// TestE2ESamplingPipeline runs the built binary with the sampling pipeline of
// testdata/e2e/config.yaml: every error span is kept with th:0, other spans
// are kept at 25% with th:c, exactly the spans whose trace randomness is at or
// above the threshold; log records of the same traces follow the same
// randomness at the logs rule's rate; the processor's own metrics agree.
func TestE2ESamplingPipeline(t *testing.T) {
	e2etest.SkipIfShort(t)
	sink := e2etest.StartSink(t)
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{
		Config: "processor/adaptivesamplingprocessor/testdata/e2e/config.yaml",
		Sink:   sink,
	})

	r := rand.New(rand.NewPCG(2026, 11))
	th25, err := threshold.Parse("c")
	if err != nil {
		t.Fatal(err)
	}
	const batches, perBatch = 8, 500
	wantKept, wantErrors, sentDefault := 0, 0, 0
	expected := map[pcommon.TraceID]string{}
	var sentIDs []pcommon.TraceID
	for range batches {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", "e2e")
		ss := rs.ScopeSpans().AppendEmpty()
		for range perBatch {
			var id pcommon.TraceID
			for i := range id {
				id[i] = byte(r.Uint32())
			}
			sentIDs = append(sentIDs, id)
			s := ss.Spans().AppendEmpty()
			s.SetTraceID(id)
			s.SetSpanID(pcommon.SpanID{1})
			s.SetName("op")
			s.Attributes().PutStr("route", "/api")
			if r.IntN(20) == 0 {
				s.Status().SetCode(ptrace.StatusCodeError)
				wantErrors++
				wantKept++
				expected[id] = "ot=th:0"
				continue
			}
			sentDefault++
			if th25.ShouldSample(threshold.RandomnessFromTraceID(id)) {
				wantKept++
				expected[id] = "ot=th:c"
			}
		}
		gw.SendTraces(t, td)
	}
	sink.WaitForSpans(t, wantKept, 30*time.Second)

	gotDefault := 0
	all := sink.AllTraces()
	for i := 0; i < all.ResourceSpans().Len(); i++ {
		sss := all.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				s := spans.At(k)
				want, ok := expected[s.TraceID()]
				if !ok {
					t.Fatalf("span of trace %v kept, its randomness is below th:c", s.TraceID())
				}
				if got := s.TraceState().AsRaw(); got != want {
					t.Fatalf("trace %v: tracestate %q, want %q", s.TraceID(), got, want)
				}
				rule, _ := s.Attributes().Get("sampling.rule")
				if want == "ot=th:c" {
					gotDefault++
					if rule.Str() != "default" {
						t.Fatalf("rule attribute %q", rule.Str())
					}
				} else if rule.Str() != "errors" {
					t.Fatalf("error span rule attribute %q", rule.Str())
				}
			}
		}
	}
	if all.SpanCount() != wantKept {
		t.Fatalf("sink received %d spans, want exactly %d", all.SpanCount(), wantKept)
	}
	if f := float64(gotDefault) / float64(sentDefault); f < 0.22 || f > 0.28 {
		t.Fatalf("kept fraction of default spans %.3f, want 0.25 ± 0.03", f)
	}
	t.Logf("sent %d spans (%d errors); kept %d: %d errors + %d of %d others (%.3f)",
		batches*perBatch, wantErrors, wantKept, wantErrors, gotDefault, sentDefault, float64(gotDefault)/float64(sentDefault))
	// Log records of the same traces: each follows its trace's randomness at
	// the logs rule's rate (the catch-all default, 25%), exactly; error traces
	// too, since rule conditions are span expressions.
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	wantLogs := 0
	keptLogTrace := map[pcommon.TraceID]bool{}
	for _, id := range sentIDs[:1000] {
		lr := lrs.AppendEmpty()
		lr.SetTraceID(id)
		lr.Body().SetStr("log of a trace")
		if th25.ShouldSample(threshold.RandomnessFromTraceID(id)) {
			wantLogs++
			keptLogTrace[id] = true
		}
	}
	gw.SendLogs(t, ld)
	sink.WaitForLogRecords(t, wantLogs, 30*time.Second)
	logs := sink.AllLogs()
	gotLogs := 0
	for i := 0; i < logs.ResourceLogs().Len(); i++ {
		sls := logs.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			recs := sls.At(j).LogRecords()
			for k := 0; k < recs.Len(); k++ {
				lr := recs.At(k)
				gotLogs++
				if !keptLogTrace[lr.TraceID()] {
					t.Fatalf("log record of trace %v kept, its randomness is below th:c", lr.TraceID())
				}
				if th, _ := lr.Attributes().Get("sampling.threshold"); th.Str() != "c" {
					t.Fatalf("log record sampling.threshold %q, want c", th.Str())
				}
			}
		}
	}
	if gotLogs != wantLogs {
		t.Fatalf("sink received %d log records, want exactly %d", gotLogs, wantLogs)
	}

	// The processor's own metrics agree.
	metric := func(labels map[string]string) int {
		return int(gw.Metric(t, "otelcol_processor_adaptive_sampling_decisions", labels))
	}
	if got := metric(map[string]string{"signal": "traces", "rule": "errors", "outcome": "sampled"}); got != wantErrors {
		t.Fatalf("decisions{signal=traces,rule=errors,outcome=sampled} = %d, want %d", got, wantErrors)
	}
	if got := metric(map[string]string{"signal": "traces", "rule": "default", "outcome": "not_sampled"}); got != sentDefault-gotDefault {
		t.Fatalf("decisions{signal=traces,rule=default,outcome=not_sampled} = %d, want %d", got, sentDefault-gotDefault)
	}
	if got := metric(map[string]string{"signal": "logs", "rule": "default", "outcome": "sampled"}); got != wantLogs {
		t.Fatalf("decisions{signal=logs,rule=default,outcome=sampled} = %d, want %d", got, wantLogs)
	}
}
