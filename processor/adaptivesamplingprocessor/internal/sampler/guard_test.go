package sampler

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/threshold"
)

// fakeClock is a clock the tests advance.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

// guardedTable is a 100 spans/s table over 10 s intervals (budget 1000) whose
// rates come from one adjustment over the given counts.
func guardedTable(t *testing.T, clock *fakeClock, counts map[string]int64) *Table {
	t.Helper()
	tab, err := NewTable(AdaptiveThroughput{GoalPerSecond: 100}, 100, 0.5, 4)
	if err != nil {
		t.Fatal(err)
	}
	tab.StartGuard(clock.Now, 10*time.Second)
	for name := range counts {
		tab.Lookup([]byte(name))
	}
	tab.TakeCounts()
	if err := tab.Adjust(counts, 10); err != nil {
		t.Fatal(err)
	}
	return tab
}

// runInterval sends the given spans per key, spread evenly over one interval
// in 100 batches, decides each with the consistent rule (random 56-bit
// randomness against the key's current threshold) and returns the kept spans
// per key and the Horvitz-Thompson estimate of the input (sum of 1/p over the
// kept spans, p read from the threshold each span was kept with).
func runInterval(tab *Table, clock *fakeClock, r *rand.Rand, spans map[string]int) (kept map[string]int, estimate float64) {
	const batches = 100
	kept = map[string]int{}
	tab.TakeCounts()
	for range batches {
		clock.now = clock.now.Add(100 * time.Millisecond)
		for name, n := range spans {
			k := tab.Lookup([]byte(name))
			for range n / batches {
				rate := tab.Observe(k)
				if rate.Threshold.ShouldSample(r.Uint64() >> (64 - threshold.NumBits)) {
					kept[name]++
					estimate += 1 / rate.Probability
					tab.Kept(1)
				}
			}
		}
		tab.EndBatch()
	}
	return kept, estimate
}

func total(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

func TestGuardHoldsBudgetThroughStep(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	tab := guardedTable(t, clock, map[string]int64{"busy": 7900, "rare": 100})
	busy, rare := tab.Lookup([]byte("busy")), tab.Lookup([]byte("rare"))
	adjustedBusy, adjustedRare := tab.Rate(busy), tab.Rate(rare)
	r := rand.New(rand.NewPCG(1, 2))

	// Traffic as adjusted for: the plan holds and the guard stays quiet.
	kept, _ := runInterval(tab, clock, r, map[string]int{"busy": 7900, "rare": 100})
	if n := total(kept); math.Abs(float64(n)-1000) > 100 || tab.GuardActivations() != 0 {
		t.Fatalf("steady interval kept %d with %d guard activations, want 1000 ± 10%% and none", n, tab.GuardActivations())
	}

	// The busy key steps up 5x: the guard tightens it within the interval.
	in := map[string]int{"busy": 39500, "rare": 100}
	kept, estimate := runInterval(tab, clock, r, in)
	t.Logf("step interval kept %v (%d), estimate %.0f of %d, %d activations", kept, total(kept), estimate, 39600, tab.GuardActivations())
	if n := total(kept); math.Abs(float64(n)-1000) > 100 {
		t.Fatalf("step interval kept %d, want 1000 ± 10%%", n)
	}
	if tab.GuardActivations() == 0 {
		t.Fatal("guard did not activate")
	}
	// Rates only tighten, the rare key is left alone.
	if got := tab.Rate(busy); got.Threshold <= adjustedBusy.Threshold {
		t.Fatalf("busy key probability %v, want below the adjusted %v", got.Probability, adjustedBusy.Probability)
	}
	if got := tab.Rate(rare); got != adjustedRare {
		t.Fatalf("rare key probability %v, want the adjusted %v", got.Probability, adjustedRare.Probability)
	}
	if adjustedRare.Probability != 1 || kept["rare"] != 100 {
		t.Fatalf("rare key kept %d of 100", kept["rare"])
	}
	// Each kept span's threshold is the rate it was decided with: the
	// adjusted counts still estimate the input.
	if math.Abs(estimate-39600)/39600 > 0.05 {
		t.Fatalf("estimated input %.0f from kept spans, want 39600 ± 5%%", estimate)
	}

	// The next interval starts from the adjusted rates again.
	tab.TakeCounts()
	if tab.Rate(busy) != adjustedBusy || tab.Rate(rare) != adjustedRare {
		t.Fatal("a new interval did not restore the adjusted rates")
	}
}

func TestGuardShare(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	// Fleet-wide rates for 8000 spans; this replica saw a quarter of them.
	tab := guardedTable(t, clock, map[string]int64{"a": 8000})
	tab.SetShare(0.25)
	r := rand.New(rand.NewPCG(3, 4))
	// A 5x step on this replica alone: it keeps its share, 250.
	kept, _ := runInterval(tab, clock, r, map[string]int{"a": 10000})
	if n := total(kept); math.Abs(float64(n)-250) > 25 {
		t.Fatalf("kept %d, want 250 ± 10%%", n)
	}
	// An unknown share guards the whole budget.
	tab.SetShare(0)
	kept, _ = runInterval(tab, clock, r, map[string]int{"a": 40000})
	if n := total(kept); math.Abs(float64(n)-1000) > 100 {
		t.Fatalf("kept %d, want 1000 ± 10%%", n)
	}
}

func TestGuardNewKeysAndOverflowTighten(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	tab := guardedTable(t, clock, map[string]int64{"a": 1000})
	r := rand.New(rand.NewPCG(5, 6))
	// Keys never adjusted (fallback rate 1) flood in.
	spans := map[string]int{"a": 1000}
	for i := range 20 {
		spans[string(rune('b'+i))] = 2000
	}
	kept, _ := runInterval(tab, clock, r, spans)
	if n := total(kept); math.Abs(float64(n)-1000) > 100 {
		t.Fatalf("kept %d with new keys, want 1000 ± 10%%", n)
	}
	if p := tab.Rate(tab.Lookup([]byte("zz"))).Probability; p >= 1 {
		t.Fatalf("fallback for keys first seen after the guard acted is %v, want tightened", p)
	}
}

func TestGuardInactive(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	r := rand.New(rand.NewPCG(7, 8))
	// adaptive_percentage has no absolute budget: no guard.
	pct, _ := NewTable(AdaptivePercentage{Goal: 0.1}, 10, 0.5, 4)
	pct.StartGuard(clock.Now, 10*time.Second)
	_ = pct.Adjust(map[string]int64{"a": 1000}, 10)
	kept, _ := runInterval(pct, clock, r, map[string]int{"a": 10000})
	if n := total(kept); math.Abs(float64(n)-1000) > 100 || pct.GuardActivations() != 0 {
		t.Fatalf("adaptive_percentage kept %d of 10000 (%d activations), want 10%% and no guard", n, pct.GuardActivations())
	}
	// A throughput table whose guard was not started does not guard.
	tab, _ := NewTable(AdaptiveThroughput{GoalPerSecond: 100}, 10, 0.5, 4)
	kept, _ = runInterval(tab, clock, r, map[string]int{"a": 5000})
	if n := total(kept); n != 5000 || tab.GuardActivations() != 0 {
		t.Fatalf("unstarted guard: kept %d of 5000 (%d activations)", n, tab.GuardActivations())
	}
}

// Kept and EndBatch are on the span path: counting and the periodic check
// allocate nothing (only a tightening allocates its new rates, once per
// activation).
func TestGuardKeptAllocatesNothing(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	tab := guardedTable(t, clock, map[string]int64{"a": 1000})
	tab.TakeCounts()
	// Spans kept at the budget's pace: 1000 per 10 s.
	if n := testing.AllocsPerRun(900, func() {
		clock.now = clock.now.Add(10 * time.Millisecond)
		tab.Kept(1)
		tab.EndBatch()
	}); n != 0 {
		t.Fatalf("%v allocations per kept span", n)
	}
	if tab.GuardActivations() != 0 {
		t.Fatalf("guard activated %d times at the budget's pace", tab.GuardActivations())
	}
	if tab.guard.next.Load() < 900 {
		t.Fatalf("checks did not run: next check at %d kept", tab.guard.next.Load())
	}
}

// A burst at the very start of an interval makes the first projection far too
// high; the plan then runs behind and is relaxed from the traffic since, never
// above the adjusted rate, so the interval still keeps its budget.
func TestGuardRelaxesAfterEarlyBurst(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	tab := guardedTable(t, clock, map[string]int64{"a": 8000})
	k := tab.Lookup([]byte("a"))
	adjusted := tab.Rate(k)
	r := rand.New(rand.NewPCG(1, 2))
	tab.TakeCounts()
	kept := 0
	send := func(n int) {
		for range n {
			rate := tab.Observe(k)
			if rate.Threshold < adjusted.Threshold {
				t.Fatalf("rate %v above the adjusted %v", rate.Probability, adjusted.Probability)
			}
			if rate.Threshold.ShouldSample(r.Uint64() >> (64 - threshold.NumBits)) {
				kept++
				tab.Kept(1)
			}
		}
		tab.EndBatch()
	}
	clock.now = clock.now.Add(time.Millisecond)
	send(2000) // a quarter of the interval's traffic in its first millisecond
	tightest := tab.Rate(k).Probability
	for range 100 {
		clock.now = clock.now.Add(100 * time.Millisecond)
		send(80)
	}
	t.Logf("kept %d (budget 1000), %d activations; probability adjusted %.4f, after the burst %.4f, at the end %.4f",
		kept, tab.GuardActivations(), adjusted.Probability, tightest, tab.Rate(k).Probability)
	if tightest >= adjusted.Probability/2 {
		t.Fatalf("the burst did not tighten the rate: %v", tightest)
	}
	if math.Abs(float64(kept)-1000) > 100 {
		t.Fatalf("kept %d, want 1000 ± 10%%", kept)
	}
}

// Spans are observed, kept and checked from several goroutines while the clock
// moves and intervals end: the guard's re-plans, relaxations and restorations
// race with neither the span path nor adjustments (run with -race).
func TestGuardConcurrent(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	tab, err := NewTable(AdaptiveThroughput{GoalPerSecond: 100}, 8, 0.5, 4)
	if err != nil {
		t.Fatal(err)
	}
	tab.StartGuard(clock, 10*time.Second)
	worker := func(seed uint64, batches int) {
		r := rand.New(rand.NewPCG(seed, 9))
		for range batches {
			for range 100 {
				k := tab.Lookup([]byte{byte('a' + r.IntN(12))})
				if tab.Observe(k).Threshold.ShouldSample(r.Uint64() >> (64 - threshold.NumBits)) {
					tab.Kept(1)
				}
			}
			tab.EndBatch()
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker(uint64(w), 100)
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			mu.Lock()
			now = now.Add(50 * time.Millisecond)
			mu.Unlock()
			if i%50 == 49 {
				_ = tab.Adjust(tab.TakeCounts(), 10)
				tab.SetShare(0.5)
				_ = tab.Busiest(3)
			}
		}
	}()
	wg.Wait()
	<-done
	// Whatever the interleaving, a burst now exceeds the budget share.
	before := tab.GuardActivations()
	tab.TakeCounts()
	worker(99, 20)
	if tab.GuardActivations() == before {
		t.Fatal("the guard did not re-plan")
	}
}
