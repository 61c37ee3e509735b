package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/otelgate/otelgate/internal/faultsink"
	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// slowdown is when the demo's backend holds its acknowledgements
// (make demo-overload): from From to Until after the load starts, Delay each.
type slowdown struct {
	From, Until, Delay time.Duration
}

func (s slowdown) enabled() bool { return s.Delay > 0 }

// factorPoint is the load-shedding factor the gateway reported at At after
// the load started.
type factorPoint struct {
	At     time.Duration
	Factor float64
}

// shedSummary is what load shedding did during an overload run.
type shedSummary struct {
	Slow     slowdown
	Timeline []factorPoint // every change of the factor seen, the first reading included
	Changes  map[string]int64
	// SampledSpans entered adaptive_sampling; KeptSpans reached the backend,
	// whose adjusted counts (1/p from ot=th) sum to AdjustedSpans.
	SampledSpans  int64
	KeptSpans     int64
	AdjustedSpans float64
}

// Min is the lowest factor seen.
func (s *shedSummary) Min() float64 {
	m := math.Inf(1)
	for _, p := range s.Timeline {
		m = min(m, p.Factor)
	}
	return m
}

// Last is the last factor seen.
func (s *shedSummary) Last() float64 {
	if len(s.Timeline) == 0 {
		return math.NaN()
	}
	return s.Timeline[len(s.Timeline)-1].Factor
}

// AdjustedError is the relative difference between the sum of adjusted
// counts and the spans sampled.
func (s *shedSummary) AdjustedError() float64 {
	if s.SampledSpans == 0 {
		return math.NaN()
	}
	return (s.AdjustedSpans - float64(s.SampledSpans)) / float64(s.SampledSpans)
}

const factorMetric = "otelcol_processor_adaptive_sampling_load_shedding_factor"

// readFactor returns the traces pipeline's load-shedding factor.
func readFactor(samples []gatewayproc.Sample) (float64, bool) {
	for _, s := range samples {
		if (s.Name == factorMetric || s.Name == factorMetric+"_ratio") && s.Labels["signal"] == "traces" {
			return s.Value, true
		}
	}
	return 0, false
}

// overload slows the backend on schedule and follows the factor until stop
// is called, which returns what it saw.
type overload struct {
	sink  *faultsink.Sink
	gw    *gatewayproc.Process
	slow  slowdown
	start time.Time
	out   io.Writer

	mu       sync.Mutex // guards timeline and the two goroutines' writes to out
	timeline []factorPoint
	done     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

func startOverload(sink *faultsink.Sink, gw *gatewayproc.Process, slow slowdown, w io.Writer) *overload {
	o := &overload{sink: sink, gw: gw, slow: slow, start: time.Now(), out: w, done: make(chan struct{})}
	o.wg.Add(2)
	go func() { // the schedule
		defer o.wg.Done()
		for _, step := range []struct {
			at     time.Duration
			do     func()
			format string
		}{
			{slow.From, func() { sink.SetDelay(slow.Delay) }, "  %5.1fs  the backend slows down: %s per acknowledgement\n"},
			{slow.Until, sink.Recover, "  %5.1fs  the backend recovers%s\n"},
		} {
			select {
			case <-o.done:
				sink.Recover()
				return
			case <-time.After(time.Until(o.start.Add(step.at))):
			}
			step.do()
			arg := ""
			if step.at == slow.From {
				arg = slow.Delay.String()
			}
			o.mu.Lock() // the sampler prints to w too
			fmt.Fprintf(w, step.format, time.Since(o.start).Seconds(), arg)
			o.mu.Unlock()
		}
	}()
	go func() { // the factor, twice a second
		defer o.wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			o.sample()
			select {
			case <-o.done:
				return
			case <-t.C:
			}
		}
	}()
	return o
}

func (o *overload) sample() {
	samples, err := o.gw.Scrape()
	if err != nil {
		return
	}
	f, ok := readFactor(samples)
	if !ok {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if n := len(o.timeline); n == 0 || o.timeline[n-1].Factor != f {
		at := time.Since(o.start)
		o.timeline = append(o.timeline, factorPoint{At: at, Factor: f})
		fmt.Fprintf(o.out, "  %5.1fs  load-shedding factor %.3f\n", at.Seconds(), f)
	}
}

// waitRecovered waits until the factor is back to 1, at most timeout.
func (o *overload) waitRecovered(timeout time.Duration) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		o.mu.Lock()
		n := len(o.timeline)
		back := n > 0 && o.timeline[n-1].Factor == 1 && time.Since(o.start) > o.slow.Until
		o.mu.Unlock()
		if back {
			return
		}
	}
}

// stop ends the schedule (the backend recovers) and the sampling; it can be
// called again.
func (o *overload) stop() []factorPoint {
	o.stopOnce.Do(func() { close(o.done) })
	o.wg.Wait()
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.timeline
}

// summariseShed completes the overload summary from the gateway's last scrape.
func summariseShed(slow slowdown, timeline []factorPoint, gw []gatewayproc.Sample, sink *faultsink.Sink) *shedSummary {
	s := &shedSummary{Slow: slow, Timeline: timeline, Changes: map[string]int64{}}
	for _, x := range gw {
		if x.Name == "otelcol_processor_adaptive_sampling_load_shedding_changes" || x.Name == "otelcol_processor_adaptive_sampling_load_shedding_changes_total" {
			if x.Labels["signal"] == "traces" && x.Value > 0 {
				s.Changes[x.Labels["reason"]] += int64(x.Value)
			}
		}
	}
	s.SampledSpans = int64(gatewayproc.SumSamples(gw, "otelcol_processor_incoming_items",
		map[string]string{"processor": "adaptive_sampling", "otel_signal": "traces"}))
	s.KeptSpans = sink.Spans()
	s.AdjustedSpans = sink.AdjustedCount()
	return s
}

func (s *shedSummary) print(w io.Writer) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "load shedding (the backend held each acknowledgement %s from %s to %s):\n", s.Slow.Delay, s.Slow.From, s.Slow.Until)
	for _, p := range s.Timeline {
		fmt.Fprintf(w, "  %5.1fs  factor %.3f\n", p.At.Seconds(), p.Factor)
	}
	reasons := make([]string, 0, len(s.Changes))
	for r := range s.Changes {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	fmt.Fprint(w, "  changes by reason:")
	for _, r := range reasons {
		fmt.Fprintf(w, " %s %d", r, s.Changes[r])
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  lowest factor %.3f, last %.3f\n", s.Min(), s.Last())
	fmt.Fprintf(w, "  spans sampled %d, kept and received %d, sum of their adjusted counts %.0f (%+.2f%% of sampled)\n",
		s.SampledSpans, s.KeptSpans, s.AdjustedSpans, 100*s.AdjustedError())
}
