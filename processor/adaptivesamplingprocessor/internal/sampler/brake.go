package sampler // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"

// The fleet brake. With a shared state the replicas of a fleet do not guard
// their budget each on its own (their guards would tighten at different
// moments, so one trace would get different thresholds on different
// replicas); they agree on a brake factor per instant through the store and
// each scales the rates of the last adjustment by it. Rates of the same
// adjustment scaled by the same factor round to the same thresholds.

// SetBrake scales every rate of the last adjustment by factor, in [0, 1]
// (1 restores them), until the next adjustment or the next interval
// (TakeCounts). It reports whether any rate changed.
func (t *Table) SetBrake(factor float64) bool {
	factor = min(max(factor, 0), 1)
	t.adjustMu.Lock()
	defer t.adjustMu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if factor == t.brake {
		return false
	}
	t.brake = factor
	for name, k := range t.keys {
		k.rate.Store(t.braked(t.adjusted[name]))
	}
	t.overflow.rate.Store(t.braked(t.adjusted[OverflowKey]))
	t.fallback.Store(t.braked(t.adjustedFallback))
	return true
}

// Brake is the factor in force (1: none).
func (t *Table) Brake() float64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.brake
}

// braked is r scaled by the brake in force (nil stays nil). Called with mu
// held.
func (t *Table) braked(r *Rate) *Rate {
	if r == nil || t.brake >= 1 {
		return r
	}
	b, err := NewRate(r.Probability*t.brake, t.precision)
	if err != nil {
		return r
	}
	return b
}

// Budget is the number of spans the table may keep per interval of the given
// length (0 when its allocator has no absolute budget).
func (t *Table) Budget(intervalSeconds float64) float64 {
	if b, ok := t.alloc.(Budgeter); ok {
		return b.Budget(intervalSeconds)
	}
	return 0
}
