package sampler // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// OverflowKey names the class shared by every key beyond MaxKeys.
const OverflowKey = "_overflow"

// Key is one traffic class of an adaptive sampler.
type Key struct {
	Name  string
	count atomic.Int64
	rate  atomic.Pointer[Rate]
}

// Table tracks the keys of one adaptive sampler: span counts of the current
// interval, their exponential moving average across intervals, and the rate each
// key currently has. Lookup and Observe are safe for concurrent use and do not
// allocate for known keys.
type Table struct {
	alloc     Allocator
	maxKeys   int
	weight    float64
	precision int

	mu       sync.RWMutex
	keys     map[string]*Key
	overflow *Key
	fallback atomic.Pointer[Rate]

	// Owned by Adjust (serialised by adjustMu).
	adjustMu sync.Mutex
	ema      map[string]float64

	// guard holds kept counts within the interval; nil unless the allocator
	// is a Budgeter (see guard.go).
	guard *guard
	// The rates of the last adjustment (written under adjustMu and mu, read
	// under either): a new interval restores them when the guard tightened
	// the previous one, and new keys start from them.
	adjusted         map[string]*Rate
	adjustedFallback *Rate
	// brake is the fleet brake factor scaling the adjusted rates (1: none;
	// see brake.go), written under adjustMu and mu.
	brake float64
}

// NewTable returns a table with maxKeys keys (plus the overflow class) whose
// moving average gives weight (0, 1] to the newest interval.
func NewTable(alloc Allocator, maxKeys int, weight float64, precision int) (*Table, error) {
	initial, err := NewRate(alloc.Initial(), precision)
	if err != nil {
		return nil, err
	}
	t := &Table{
		alloc:     alloc,
		maxKeys:   maxKeys,
		weight:    weight,
		precision: precision,
		keys:      make(map[string]*Key),
		overflow:  &Key{Name: OverflowKey},
		ema:       make(map[string]float64),
		brake:     1,
	}
	t.fallback.Store(initial)
	t.adjustedFallback = initial
	if _, ok := alloc.(Budgeter); ok {
		// Inactive until StartGuard gives it a clock and an interval.
		t.guard = &guard{now: time.Now, share: 1}
		t.guard.restart()
	}
	return t, nil
}

// Lookup returns the key named name, creating it while the table has room and
// returning the overflow class otherwise.
func (t *Table) Lookup(name []byte) *Key {
	t.mu.RLock()
	k, ok := t.keys[string(name)]
	full := len(t.keys) >= t.maxKeys
	t.mu.RUnlock()
	if ok {
		return k
	}
	if full {
		// Keys beyond max_keys do not take the write lock on every span.
		return t.overflow
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if k, ok = t.keys[string(name)]; ok {
		return k
	}
	if len(t.keys) >= t.maxKeys {
		return t.overflow
	}
	k = &Key{Name: string(name)}
	// A key new to this table may have a rate already: one computed from
	// counts of other replicas (Reset), or one this table forgot while the
	// key's average lasted.
	if r := t.adjusted[k.Name]; r != nil {
		k.rate.Store(t.braked(r))
	}
	t.keys[k.Name] = k
	return k
}

// Rate returns the current rate of k without counting.
func (t *Table) Rate(k *Key) *Rate {
	if r := k.rate.Load(); r != nil {
		return r
	}
	return t.fallback.Load()
}

// Observe counts one span for k and returns its current rate.
func (t *Table) Observe(k *Key) *Rate {
	k.count.Add(1)
	return t.Rate(k)
}

// TakeCounts returns the counts of the current interval and starts a new one.
func (t *Table) TakeCounts() map[string]int64 {
	if t.guard != nil {
		t.adjustMu.Lock()
		if t.guard.tightened || t.brake < 1 {
			t.restoreAdjusted()
		}
		t.guard.restart()
		t.adjustMu.Unlock()
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	counts := make(map[string]int64, len(t.keys)+1)
	for name, k := range t.keys {
		if c := k.count.Swap(0); c > 0 {
			counts[name] = c
		}
	}
	if c := t.overflow.count.Swap(0); c > 0 {
		counts[OverflowKey] = c
	}
	return counts
}

// Adjust folds one interval's counts into the moving average and recomputes
// the rate of every key. Keys whose average falls below one span per interval
// are forgotten, freeing room in the table.
func (t *Table) Adjust(counts map[string]int64, intervalSeconds float64) error {
	t.adjustMu.Lock()
	defer t.adjustMu.Unlock()
	for name, avg := range t.ema {
		c := float64(counts[name])
		if shifted(avg, c) {
			// A step change restarts the average instead of trailing it for
			// several intervals.
			t.ema[name] = c
			continue
		}
		t.ema[name] = (1-t.weight)*avg + t.weight*c
	}
	for name, c := range counts {
		if _, seen := t.ema[name]; !seen {
			// A key's first interval is its best estimate.
			t.ema[name] = float64(c)
		}
	}
	for name, avg := range t.ema {
		if avg < 1 && counts[name] == 0 {
			delete(t.ema, name)
		}
	}
	return t.allocate(intervalSeconds)
}

// Reset replaces the history by counts and recomputes the rate of every key
// from them alone. Tables given the same counts compute bit-identical rates:
// counts are integers, so their float64 sums are exact in any order (below
// 2^53), the allocation sums weights in a fixed order (by count/weight, then
// key), and NewRate rounds each probability to the same threshold. Replicas
// sharing fleet-wide counts use it so that their rates agree whatever their
// history (a replica that joined late included).
func (t *Table) Reset(counts map[string]int64, intervalSeconds float64) error {
	t.adjustMu.Lock()
	defer t.adjustMu.Unlock()
	clear(t.ema)
	for name, c := range counts {
		if c > 0 {
			t.ema[name] = float64(c)
		}
	}
	return t.allocate(intervalSeconds)
}

// allocate recomputes the rates from t.ema. Called with adjustMu held.
func (t *Table) allocate(intervalSeconds float64) error {
	probs, fallback := t.alloc.Allocate(t.ema, intervalSeconds)
	rates := make(map[string]*Rate, len(probs))
	for name, p := range probs {
		r, err := NewRate(p, t.precision)
		if err != nil {
			return err
		}
		rates[name] = r
	}
	fr, err := NewRate(fallback, t.precision)
	if err != nil {
		return err
	}
	t.fallback.Store(fr)

	t.mu.Lock()
	defer t.mu.Unlock()
	// Written under both locks: Lookup reads adjusted under mu alone.
	t.adjusted, t.adjustedFallback = rates, fr
	t.brake = 1
	for name, k := range t.keys {
		if _, ok := t.ema[name]; !ok && k.count.Load() == 0 {
			delete(t.keys, name)
			continue
		}
		k.rate.Store(rates[name])
	}
	if r, ok := rates[OverflowKey]; ok {
		t.overflow.rate.Store(r)
	} else {
		t.overflow.rate.Store(nil)
	}
	return nil
}

// KeyRate is one key's smoothed count and current probability.
type KeyRate struct {
	Key         string
	Count       float64
	Probability float64
}

// Busiest returns up to n keys with the largest moving average, busiest first.
func (t *Table) Busiest(n int) []KeyRate {
	t.adjustMu.Lock()
	out := make([]KeyRate, 0, len(t.ema))
	for name, avg := range t.ema {
		out = append(out, KeyRate{Key: name, Count: avg})
	}
	t.adjustMu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	if len(out) > n {
		out = out[:n]
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for i := range out {
		k := t.overflow
		if out[i].Key != OverflowKey {
			k = t.keys[out[i].Key]
		}
		if k != nil {
			out[i].Probability = t.Rate(k).Probability
		} else {
			out[i].Probability = t.fallback.Load().Probability
		}
	}
	return out
}

// Len is the number of keys in the table, not counting the overflow class.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.keys)
}

// ObserveN counts n spans for k and returns its current rate.
func (t *Table) ObserveN(k *Key, n int64) *Rate {
	k.count.Add(n)
	return t.Rate(k)
}

// Step detection: an interval whose count is more than stepFactor times the
// average, or less than its 1/stepFactor, by at least stepMinSpans spans.
const (
	stepFactor   = 2
	stepMinSpans = 10
)

func shifted(avg, c float64) bool {
	if c > avg*stepFactor && c-avg >= stepMinSpans {
		return true
	}
	return c*stepFactor < avg && avg-c >= stepMinSpans
}

// restoreAdjusted puts back the rates of the last adjustment. Called with
// adjustMu held.
func (t *Table) restoreAdjusted() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.brake = 1
	for name, k := range t.keys {
		k.rate.Store(t.adjusted[name])
	}
	t.overflow.rate.Store(t.adjusted[OverflowKey])
	t.fallback.Store(t.adjustedFallback)
}
