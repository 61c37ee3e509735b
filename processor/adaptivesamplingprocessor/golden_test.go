package adaptivesamplingprocessor

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
)

// TestGoldenConsistent: testdata/consistent/{input,expected}.yaml show, span by
// span, the keep test R >= T, the stricter-threshold rule and the tracestate
// rewrite.
func TestGoldenConsistent(t *testing.T) {
	cfg := testConfig(
		RuleConfig{Name: "errors", Conditions: []string{`status.code == STATUS_CODE_ERROR`}, Type: SamplerAlwaysSample},
		RuleConfig{Name: "half", Type: SamplerProbabilistic, SamplingPercentage: 50},
	)
	proc, _, sink := startTraces(t, cfg, nil)
	input, err := golden.ReadTraces(filepath.Join("testdata", "consistent", "input.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	expected, err := golden.ReadTraces(filepath.Join("testdata", "consistent", "expected.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.ConsumeTraces(context.Background(), input); err != nil {
		t.Fatal(err)
	}
	got := sink.AllTraces()
	if len(got) != 1 {
		t.Fatalf("%d batches forwarded", len(got))
	}
	if err := ptracetest.CompareTraces(expected, got[0]); err != nil {
		t.Fatal(err)
	}
}
