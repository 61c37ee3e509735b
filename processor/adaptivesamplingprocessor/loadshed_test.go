package adaptivesamplingprocessor

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/extension/samplingstateextension"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/threshold"
)

func TestLoadSheddingConfig(t *testing.T) {
	c := loadConfig(t, "loadshed")
	ls := c.LoadShedding.Get()
	if !c.LoadShedding.HasValue() || ls.LatencyThreshold != time.Second || ls.MinFactor != 0.1 || ls.OpenBreakerThreshold != 0.25 ||
		ls.EvaluationInterval != 5*time.Second || ls.DecreaseOnLatency != 0.8 || ls.Increase != 1.1 || ls.SamplingState.String() != "sampling_state" {
		t.Fatalf("loadshed: %+v", ls)
	}
	d := loadConfig(t, "loadshed_defaults")
	if !d.LoadShedding.HasValue() || *d.LoadShedding.Get() != defaultLoadShedding() {
		t.Fatalf("an empty load_shedding section must enable the defaults, got %+v", d.LoadShedding.Get())
	}
	if def := createDefaultConfig().(*Config); def.LoadShedding.HasValue() {
		t.Fatal("load_shedding is on by default")
	}

	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := cm.Sub("processors::" + component.NewIDWithName(metadata.Type, "loadshed_invalid").String())
	if err != nil {
		t.Fatal(err)
	}
	bad := createDefaultConfig().(*Config)
	if err := sub.Unmarshal(bad); err != nil {
		t.Fatal(err)
	}
	err = confmap.Validate(bad)
	for _, want := range []string{
		"load_shedding.latency_threshold: must not be negative, got -1s",
		"load_shedding.open_breaker_threshold: must be in [0, 1], got 1.5",
		"load_shedding.decrease_on_latency: must be in (0, 1), got 1.2",
		"load_shedding.increase: must be greater than 1, got 0.9",
		"load_shedding.min_factor: must be in (0, 1], got 0",
		"load_shedding.hysteresis: must be in [0, 1), got 1",
		"load_shedding.evaluation_interval: must be positive, got 0s",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to contain %q", err, want)
		}
	}
}

// TestLoadSheddingScalesRatesAndWeights publishes backend health through the
// real sampling_state extension and checks that the factor lowers the
// probabilistic rule's rate, that the written ot=th encodes the effective
// probability (the sum of adjusted counts stays the number of spans sent),
// that always_sample is exempt, and that recovery restores the configured rate.
func TestLoadSheddingScalesRatesAndWeights(t *testing.T) {
	h, id := sharedStateHost(t)
	health := h.ext[id].(samplingstateextension.Health)
	cfg := testConfig(
		RuleConfig{Name: "errors", Conditions: []string{"status.code == STATUS_CODE_ERROR"}, Type: SamplerAlwaysSample},
		RuleConfig{Name: "default", Type: SamplerProbabilistic, SamplingPercentage: 50},
	)
	ls := defaultLoadShedding()
	ls.LatencyThreshold = time.Second
	cfg.LoadShedding.GetOrInsertDefault()
	*cfg.LoadShedding.Get() = ls
	proc, p, sink := startTracesClock(t, cfg, h, newTestClock())
	ctx := context.Background()

	publish := func(latency time.Duration) {
		t.Helper()
		if err := health.PublishHealth(ctx, "exporter", samplingstateextension.Signal{LatencyEWMA: latency}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(15, 1))
	// send sends n spans (every tenth an error) and returns the sum of
	// adjusted counts of the kept non-error spans and the error spans kept.
	send := func(n int) (adjusted float64, sentDefault, keptErrors, sentErrors int, ths map[string]int) {
		t.Helper()
		sink.Reset()
		specs := make([]spanSpec, n)
		for i := range specs {
			specs[i] = spanSpec{traceID: randomTraceID(r), errorSpan: i%10 == 0}
			if specs[i].errorSpan {
				sentErrors++
			} else {
				sentDefault++
			}
		}
		if err := proc.ConsumeTraces(ctx, buildTraces(specs)); err != nil {
			t.Fatal(err)
		}
		ths = map[string]int{}
		for _, s := range keptSpans(sink) {
			ot := threshold.ParseTraceState(s.TraceState().AsRaw())
			if !ot.HasThreshold {
				t.Fatalf("kept span without th: %q", s.TraceState().AsRaw())
			}
			if s.Status().Code() == ptrace.StatusCodeError {
				keptErrors++
				if ot.Threshold != 0 {
					t.Fatalf("always_sample span with th %s: the factor must not apply", ot.Threshold)
				}
				continue
			}
			ths[ot.Threshold.String()]++
			adjusted += ot.Threshold.AdjustedCount()
		}
		return adjusted, sentDefault, keptErrors, sentErrors, ths
	}

	publish(3 * time.Second)
	p.shed.evaluate(ctx)
	p.shed.evaluate(ctx)
	if f := p.shed.currentFactor(); math.Abs(f-0.64) > 1e-12 {
		t.Fatalf("factor after two slow intervals = %v, want 0.64", f)
	}
	const n = 20000
	adjusted, sentDefault, keptErrors, sentErrors, ths := send(n)
	if keptErrors != sentErrors {
		t.Fatalf("always_sample kept %d of %d error spans under load shedding", keptErrors, sentErrors)
	}
	// 50% * 0.64 = 32%: th encodes 1 - 0.32 = 0.68 of 2^56 (ad70a3d70a3d70 rounded to 4 digits).
	want, _ := threshold.FromProbability(0.32, 4)
	if len(ths) != 1 || ths[want.String()] == 0 {
		t.Fatalf("written thresholds %v, want only %s (p=0.32)", ths, want)
	}
	if rel := math.Abs(adjusted-float64(sentDefault)) / float64(sentDefault); rel > 0.05 {
		t.Fatalf("sum of adjusted counts %.0f vs %d sent: off by %.1f%%, want within 5%%", adjusted, sentDefault, 100*rel)
	}
	kept := ths[want.String()]
	if frac := float64(kept) / float64(sentDefault); math.Abs(frac-0.32) > 0.02 {
		t.Fatalf("kept %.3f of the default rule's spans, want 0.32±0.02", frac)
	}

	// Recovery: healthy intervals raise the factor back to exactly 1.
	publish(10 * time.Millisecond)
	for range 10 {
		p.shed.evaluate(ctx)
	}
	if f := p.shed.currentFactor(); f != 1 {
		t.Fatalf("factor after recovery = %v, want 1", f)
	}
	_, _, _, _, ths = send(2000)
	if len(ths) != 1 || ths["8"] == 0 {
		t.Fatalf("written thresholds after recovery %v, want only 8 (p=0.5)", ths)
	}
	var changes [5]int64
	for i := range changes {
		changes[i] = p.shed.changes[i].Load()
	}
	// Down: 2 latency steps; up: 0.64*1.1^5 >= 1, 5 steps.
	if changes != [5]int64{2, 0, 0, 0, 5} {
		t.Fatalf("changes by reason (latency, queue, errors, open_breakers, recovered) = %v, want [2 0 0 0 5]", changes)
	}
}

// TestLoadSheddingMissingExtension names the field and the extension.
func TestLoadSheddingMissingExtension(t *testing.T) {
	cfg := testConfig(RuleConfig{Name: "default", Type: SamplerProbabilistic, SamplingPercentage: 50})
	cfg.LoadShedding.GetOrInsertDefault()
	proc, err := newTracesProcessor(processortestSettings(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := host{ext: map[component.ID]component.Component{}}
	err = proc.Start(context.Background(), h)
	if err == nil || !strings.Contains(err.Error(), `load_shedding.sampling_state: extension "sampling_state" not found`) {
		t.Fatalf("error %v", err)
	}
	_ = proc.Shutdown(context.Background())
}

// TestLoadSheddingWallClockBoundaries checks evaluations are aligned to
// multiples of evaluation_interval since the Unix epoch.
func TestLoadSheddingWallClockBoundaries(t *testing.T) {
	s := &shedding{cfg: defaultLoadShedding()}
	s.cfg.EvaluationInterval = 10 * time.Second
	for _, tc := range []struct{ now, want time.Duration }{
		{1_000_000*time.Second + 3*time.Second, 7 * time.Second},
		{1_000_000 * time.Second, 10 * time.Second},
		{1_000_009*time.Second + 999*time.Millisecond, time.Millisecond},
	} {
		if got := s.untilEvaluation(time.Unix(0, int64(tc.now))); got != tc.want {
			t.Errorf("untilEvaluation(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
}
