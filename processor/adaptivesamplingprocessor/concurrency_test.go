package adaptivesamplingprocessor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Spans are consumed from several goroutines while rates are adjusted and, in
// tail mode, traces are decided by the ticker path: every span is accounted for.
// The adaptive_throughput cases run the budget guard's checks and re-plans
// concurrently with adjustments.
func TestConcurrentConsumeAndAdjust(t *testing.T) {
	for _, mode := range []string{ModeConsistent, ModeTail, ModeConsistent + "/throughput", ModeTail + "/throughput"} {
		t.Run(mode, func(t *testing.T) {
			adaptive := RuleConfig{Name: "adaptive", Type: SamplerAdaptivePercentage, GoalPercentage: 20, FingerprintAttributes: []string{"route"}}
			if m, ok := strings.CutSuffix(mode, "/throughput"); ok {
				mode = m
				// A budget of 30 spans per interval: the guard re-plans often.
				adaptive = RuleConfig{Name: "adaptive", Type: SamplerAdaptiveThroughput, GoalSpansPerSecond: 1, FingerprintAttributes: []string{"route"}}
			}
			cfg := testConfig(
				RuleConfig{Name: "errors", Conditions: []string{`status.code == STATUS_CODE_ERROR`}, Type: SamplerAlwaysSample},
				adaptive,
			)
			cfg.Mode = mode
			cfg.NumTraces = 200
			cfg.MaxKeys = 5
			proc, p, sink := startTraces(t, cfg, nil)
			const workers, batches, perBatch = 4, 20, 200
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(w), 1))
					for range batches {
						specs := make([]spanSpec, perBatch)
						for i := range specs {
							specs[i] = spanSpec{traceID: randomTraceID(r), key: fmt.Sprint("/r", r.IntN(10)), errorSpan: r.IntN(50) == 0}
						}
						if err := proc.ConsumeTraces(context.Background(), buildTraces(specs)); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					select {
					case <-stop:
						return
					default:
						p.adjust(context.Background())
						if p.tail != nil {
							_ = p.tail.flushReady(context.Background(), time.Now().Add(time.Hour))
						}
					}
				}
			}()
			wg.Wait()
			close(stop)
			<-done
			if err := proc.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			var decided int64
			for _, r := range p.rules {
				decided += r.sampled.Load() + r.notSampled.Load()
			}
			if decided != workers*batches*perBatch {
				t.Fatalf("decided %d of %d", decided, workers*batches*perBatch)
			}
			var kept int64
			for _, r := range p.rules {
				kept += r.sampled.Load()
			}
			if int64(sink.SpanCount()) != kept {
				t.Fatalf("forwarded %d spans, %d decided kept", sink.SpanCount(), kept)
			}

		})
	}
}

// Arbitrary tracestates, trace IDs and attribute values never panic, and every
// span is either kept with a valid th or dropped.
func FuzzConsumeTraces(f *testing.F) {
	f.Add([]byte{1, 2, 3}, "ot=th:8", "x")
	f.Add([]byte{}, "", "")
	f.Add([]byte{0xff}, "ot=rv:zz;th:;;,,=", "/a|b")
	f.Add([]byte{0, 0, 0}, "a=b,ot=th:ffffffffffffff", "\x00")
	cfg := testConfig(
		RuleConfig{Name: "c", Conditions: []string{`attributes["route"] == "x"`}, Type: SamplerProbabilistic, SamplingPercentage: 30},
		RuleConfig{Name: "a", Type: SamplerAdaptivePercentage, GoalPercentage: 10, FingerprintAttributes: []string{"route", "service.name"}},
	)
	f.Fuzz(func(t *testing.T, id []byte, ts, route string) {
		proc, _, sink := startTraces(t, cfg, nil)
		var tid pcommon.TraceID
		copy(tid[:], id)
		if err := proc.ConsumeTraces(context.Background(), buildTraces([]spanSpec{{traceID: tid, tracestate: ts, key: route}})); err != nil {
			t.Fatal(err)
		}
		for _, s := range keptSpans(sink) {
			if attrStr(s, "sampling.rule") == "" {
				t.Fatal("kept span without rule attribute")
			}
		}
	})
}
