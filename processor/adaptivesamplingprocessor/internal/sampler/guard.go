package sampler // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"

import (
	"math"
	"sync/atomic"
	"time"
)

// Budgeter is implemented by allocators whose goal is an absolute number of
// kept spans per interval (adaptive_throughput). Tables of such allocators
// guard their budget within each interval.
type Budgeter interface {
	Budget(intervalSeconds float64) float64
}

// The budget guard. Rates are computed at adjustments from past intervals, so a
// step in volume would overshoot the budget for the whole interval in which it
// lands. The guard counts the spans kept in the current interval; every
// budget/guardChecks kept spans a check falls due and runs at the end of the
// batch. The plan is to keep the budget evenly over the interval; when the kept
// spans run ahead of the plan by more than guardMargin of it plus guardSlack of
// the budget, the guard re-plans: the remaining budget is shared, with the same
// allocation as adjustments, over the volume each key is projected to send in
// the rest of the interval (its rate so far, at least over guardMinElapsed of
// the interval, times the remaining time), rates above their share are lowered,
// and the new plan keeps the remaining budget evenly. While rates are lowered,
// every interval/guardChecks the plan is checked for running behind by more
// than guardMargin (its projection was too high, as after a burst); then it is
// re-planned from the traffic since the last re-plan, and rates may rise again,
// never above the rates of the last adjustment. The next interval starts from
// the rates of the last adjustment.
const (
	guardChecks       = 32
	guardMargin       = 0.10
	guardSlack        = 0.05
	guardMinElapsed   = 0.02
	guardMinRemaining = 0.05
)

type guard struct {
	kept atomic.Int64 // spans kept in the current interval
	next atomic.Int64 // kept count at which the next check is due
	due  atomic.Bool  // a check is due at the end of the batch
	// replanAt is when (Unix nanoseconds) a tightened plan is next checked
	// for running behind; 0 while the rates are the adjusted ones.
	replanAt atomic.Int64
	clock    atomic.Pointer[func() time.Time]
	// activations counts the re-plans that changed rates.
	activations atomic.Int64

	// Owned by the table's adjustMu.
	now      func() time.Time
	interval time.Duration
	budget   float64 // kept spans per interval (fleet-wide with a shared state)
	share    float64 // this replica's share of budget, in (0, 1]
	start    time.Time
	// The plan the rates follow: from anchorKept spans kept at elapsed share
	// anchorElapsed, keep the rest of the budget evenly until the interval
	// ends. A new interval starts from (0, 0); a re-plan re-anchors.
	anchorElapsed float64
	anchorKept    float64
	// tightened is set when the guard lowered rates in this interval.
	tightened bool
	// Per-key counts and elapsed share at the last re-plan: the next one
	// projects from the traffic since, so a burst early in the interval does
	// not weigh on the rest of it.
	snap        map[string]int64
	snapElapsed float64
}

// localBudget is the number of spans this replica may keep per interval.
func (g *guard) localBudget() float64 { return g.budget * g.share }

// checkStep is the number of kept spans between two checks.
func (g *guard) checkStep() int64 {
	return max(1, int64(g.localBudget()/guardChecks))
}

// restart begins a new interval at the current time. A guard without an
// interval (not started) never checks.
func (g *guard) restart() {
	if g.interval <= 0 {
		g.next.Store(math.MaxInt64)
		return
	}
	g.start = g.now()
	g.anchorElapsed, g.anchorKept, g.tightened = 0, 0, false
	g.snap, g.snapElapsed = nil, 0
	g.replanAt.Store(0)
	g.kept.Store(0)
	g.due.Store(false)
	g.next.Store(g.checkStep())
}

// StartGuard sets the clock and the interval of the budget guard and starts its
// first interval. Tables whose allocator has no absolute budget have no guard.
func (t *Table) StartGuard(now func() time.Time, interval time.Duration) {
	g := t.guard
	if g == nil {
		return
	}
	t.adjustMu.Lock()
	defer t.adjustMu.Unlock()
	g.now = now
	g.clock.Store(&now)
	g.interval = interval
	g.budget = t.alloc.(Budgeter).Budget(interval.Seconds())
	g.restart()
}

// SetShare sets this replica's share of the budget: the fraction of the
// fleet-wide volume it received in the interval the current rates come from.
// Values outside (0, 1] (unknown share) mean the whole budget.
func (t *Table) SetShare(share float64) {
	g := t.guard
	if g == nil {
		return
	}
	if !(share > 0 && share <= 1) {
		share = 1
	}
	t.adjustMu.Lock()
	defer t.adjustMu.Unlock()
	g.share = share
	if g.interval > 0 {
		g.next.Store(g.kept.Load() + g.checkStep())
	}
}

// Kept counts n kept spans (the decisions the table's rates led to); every
// budget/guardChecks kept spans a check of the budget falls due. It does not
// allocate.
func (t *Table) Kept(n int64) {
	g := t.guard
	if g == nil {
		return
	}
	if g.kept.Add(n) >= g.next.Load() && !g.due.Load() {
		g.due.Store(true)
	}
}

// EndBatch runs the budget check when one is due. Callers call it after each
// batch: a batch's spans arrive at once, so only at its end do the counts of
// the interval so far match the time elapsed. It never blocks: a check that
// finds an adjustment running stays due.
func (t *Table) EndBatch() {
	g := t.guard
	if g == nil {
		return
	}
	if g.due.Load() {
		t.check()
		return
	}
	// While tightened, the plan is checked for running behind every
	// interval/guardChecks: a tightening from an overestimated volume (a burst)
	// is relaxed again, never above the adjusted rates.
	if at := g.replanAt.Load(); at != 0 {
		if now := g.clock.Load(); now != nil && (*now)().UnixNano() >= at {
			t.check()
		}
	}
}

// Guarded reports whether the table has a budget guard.
func (t *Table) Guarded() bool { return t.guard != nil }

// GuardActivations is the number of re-plans that changed rates.
func (t *Table) GuardActivations() int64 {
	if t.guard == nil {
		return 0
	}
	return t.guard.activations.Load()
}

func (t *Table) check() {
	if !t.adjustMu.TryLock() {
		return
	}
	defer t.adjustMu.Unlock()
	g := t.guard
	now := g.now()
	kept := g.kept.Load()
	budget := g.localBudget()
	elapsed := min(max(float64(now.Sub(g.start))/float64(g.interval), 0), 1)
	since := float64(kept) - g.anchorKept
	var relax bool
	switch {
	case g.due.Load() && kept >= g.next.Load():
		g.due.Store(false)
		g.next.Store(kept + g.checkStep())
		if since <= g.tolerated(budget, elapsed) {
			return
		}
	case g.tightened && now.UnixNano() >= g.replanAt.Load():
		g.replanAt.Store(now.Add(g.interval / guardChecks).UnixNano())
		if since >= g.planned(budget, elapsed)*(1-guardMargin)-float64(g.checkStep()) {
			return
		}
		relax = true
	default:
		g.due.Store(false)
		return // another check ran meanwhile
	}
	g.anchorElapsed, g.anchorKept = elapsed, float64(kept)
	if t.replan(budget-float64(kept), elapsed, relax) {
		g.activations.Add(1)
	}
	if !g.tightened && !relax {
		g.tightened = true
		g.replanAt.Store(now.Add(g.interval / guardChecks).UnixNano())
	}
}

// tolerated is how many spans may be kept between the plan's anchor and
// elapsed before the guard acts: the plan plus guardMargin, plus guardSlack of
// the budget before the first tightening (early in an interval, counts are too
// small to tell a step from noise) or one check step after it.
func (g *guard) tolerated(budget, elapsed float64) float64 {
	slack := budget * guardSlack
	if g.anchorElapsed > 0 || g.anchorKept > 0 {
		slack = float64(g.checkStep())
	}
	return g.planned(budget, elapsed)*(1+guardMargin) + slack
}

// planned is the number of spans the plan keeps between its anchor and elapsed.
func (g *guard) planned(budget, elapsed float64) float64 {
	left := budget - g.anchorKept
	if left <= 0 || g.anchorElapsed >= 1 {
		return 0
	}
	return left * max(elapsed-g.anchorElapsed, 0) / (1 - g.anchorElapsed)
}

// replan shares the remaining budget over the volume each key is projected to
// send in the rest of the interval: its rate since the last re-plan (since the
// interval start for the first one) times the remaining time. A rate above its
// new share is lowered; with relax, a rate below it is raised, never above the
// rate of the last adjustment. It reports whether any rate changed. Called with
// adjustMu held.
func (t *Table) replan(remaining, elapsed float64, relax bool) bool {
	g := t.guard
	window, base := elapsed, g.snap
	if w := elapsed - g.snapElapsed; base != nil && w >= guardMinElapsed {
		window = w
	} else {
		base = nil
	}
	scale := max(1-elapsed, guardMinRemaining) / max(window, guardMinElapsed)
	t.mu.RLock()
	defer t.mu.RUnlock()
	counts := make(map[string]int64, len(t.keys)+1)
	projected := make(map[string]float64, len(t.keys)+1)
	var total float64
	add := func(name string, k *Key) {
		c := k.count.Load()
		if c <= 0 {
			return
		}
		counts[name] = c
		projected[name] = float64(c-base[name]) * scale
		total += projected[name]
	}
	for name, k := range t.keys {
		add(name, k)
	}
	add(OverflowKey, t.overflow)
	g.snap, g.snapElapsed = counts, elapsed
	remaining = max(remaining, 0)
	changed := false
	for name, p := range allocate(projected, remaining) {
		k := t.overflow
		if name != OverflowKey {
			k = t.keys[name]
		}
		ceiling := t.adjusted[name]
		if ceiling == nil {
			ceiling = t.adjustedFallback
		}
		if r := t.planRate(t.Rate(k), ceiling, p, relax); r != nil {
			k.rate.Store(r)
			changed = true
		}
	}
	if total > 0 {
		if r := t.planRate(t.fallback.Load(), t.adjustedFallback, min(remaining/total, 1), relax); r != nil {
			t.fallback.Store(r)
			changed = true
		}
	}
	return changed
}

// planRate returns the rate of probability p, capped at ceiling, when it is
// stricter than cur (or, with relax, different from it), else nil.
func (t *Table) planRate(cur, ceiling *Rate, p float64, relax bool) *Rate {
	if p >= ceiling.Probability {
		if relax && cur != ceiling {
			return ceiling
		}
		return nil
	}
	r, err := NewRate(p, t.precision)
	if err != nil || r.Threshold == cur.Threshold || (!relax && r.Threshold < cur.Threshold) {
		return nil
	}
	return r
}
