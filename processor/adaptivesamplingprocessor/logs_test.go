package adaptivesamplingprocessor

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"
)

func TestLogsFollowTraceDecisions(t *testing.T) {
	cfg := testConfig(
		RuleConfig{Name: "errors", Conditions: []string{`status.code == STATUS_CODE_ERROR`}, Type: SamplerAlwaysSample},
		RuleConfig{Name: "rest", Type: SamplerProbabilistic, SamplingPercentage: 20},
	)
	// Spans.
	tproc, _, tsink := startTraces(t, cfg, nil)
	// Logs.
	lsink := new(consumertest.LogsSink)
	lproc, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, lsink)
	if err != nil {
		t.Fatal(err)
	}
	if err := lproc.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lproc.Shutdown(context.Background()) }()

	r := rand.New(rand.NewPCG(31, 31))
	const n = 20000
	specs := make([]spanSpec, n)
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range specs {
		specs[i] = spanSpec{traceID: randomTraceID(r)}
		lr := lrs.AppendEmpty()
		lr.SetTraceID(specs[i].traceID)
		lr.Body().SetStr("with trace")
	}
	for range n {
		lrs.AppendEmpty().Body().SetStr("no trace")
	}
	feed(t, context.Background(), tproc, specs)
	if err := lproc.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}

	keptTraces := map[pcommon.TraceID]bool{}
	for _, s := range keptSpans(tsink) {
		keptTraces[s.TraceID()] = true
	}
	withTrace, without := 0, 0
	for _, l := range lsink.AllLogs() {
		for i := 0; i < l.ResourceLogs().Len(); i++ {
			recs := l.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords()
			for j := 0; j < recs.Len(); j++ {
				lr := recs.At(j)
				if th, _ := lr.Attributes().Get("sampling.threshold"); th.Str() != "cccd" {
					t.Fatalf("sampling.threshold %q, want cccd", th.Str())
				}
				if lr.TraceID().IsEmpty() {
					without++
					continue
				}
				withTrace++
				if !keptTraces[lr.TraceID()] {
					t.Fatalf("log of dropped trace %v kept", lr.TraceID())
				}
			}
		}
	}
	if withTrace != len(keptTraces) {
		t.Fatalf("kept %d logs with a trace id, %d traces kept", withTrace, len(keptTraces))
	}
	if f := float64(without) / n; math.Abs(f-0.2) > 0.015 {
		t.Fatalf("kept %.4f of logs without trace id, want 0.20 ± 0.015", f)
	}
}

func TestLogsNeedARule(t *testing.T) {
	cfg := testConfig(RuleConfig{Name: "errors", Conditions: []string{`status.code == STATUS_CODE_ERROR`}, Type: SamplerAlwaysSample})
	_, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, new(consumertest.LogsSink))
	if err == nil {
		t.Fatal("logs processor without a catch-all or logs_rule accepted")
	}
	cfg.LogsRule = "errors"
	if _, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, new(consumertest.LogsSink)); err != nil {
		t.Fatal(err)
	}
}
