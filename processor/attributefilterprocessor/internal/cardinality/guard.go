package cardinality

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
)

// Limit is a budget of distinct values for some keys of the metrics a name glob matches.
type Limit struct {
	Metrics   string
	Keys      []string
	MaxValues int
}

// Guard holds the distinct values seen this window, as 64-bit hashes: memory
// is bounded by maxMetrics × (keys per metric) × max values × 8 bytes
// whatever the values' length, and no value text outlives its batch.
type Guard struct {
	mu         sync.Mutex
	now        func() time.Time
	window     time.Duration
	start      time.Time
	limits     []compiledLimit
	maxMetrics int
	metrics    map[string]*Metric
	seed       maphash.Seed
	owned      int // overflow series owners remembered this window
}

type compiledLimit struct {
	metrics func(string) bool
	keys    []string
	max     int
}

// MaxOwners bounds, over all metrics, the overflow series whose owner the
// guard remembers in a window (about 48 bytes each).
const MaxOwners = 1 << 16

// Metric is the state of one metric name for the current window.
type Metric struct {
	Keys []Key
	// Untracked is set for a metric beyond maxMetrics: it has no budget at all.
	Untracked bool

	guard  *Guard // nil when untracked
	owners map[uint64][16]byte
}

// Own reports whether the original series orig may report under the
// overflow series: the first original series to ask owns it for the rest of
// the window, so a cumulative overflow series never mixes the running totals
// of two series. False for every series of an untracked metric, and for new
// overflow series once MaxOwners are remembered.
func (m *Metric) Own(series uint64, orig [16]byte) bool {
	if m.guard == nil {
		return false
	}
	if o, ok := m.owners[series]; ok {
		return o == orig
	}
	if m.guard.owned >= MaxOwners {
		return false
	}
	if m.owners == nil {
		m.owners = map[uint64][16]byte{}
	}
	m.owners[series] = orig
	m.guard.owned++
	return true
}

// Key is the budget of one attribute key of one metric.
type Key struct {
	Name   string
	max    int
	seed   maphash.Seed
	values map[uint64]struct{}
}

// New returns a Guard. now is the clock (time.Now in production).
func New(limits []Limit, window time.Duration, maxMetrics int, now func() time.Time) *Guard {
	g := &Guard{now: now, window: window, maxMetrics: maxMetrics, metrics: map[string]*Metric{}, seed: maphash.MakeSeed()}
	for _, l := range limits {
		g.limits = append(g.limits, compiledLimit{metrics: match.CompileGlob(l.Metrics), keys: l.Keys, max: l.MaxValues})
	}
	g.start = now()
	return g
}

// Enabled reports whether any limit is configured.
func (g *Guard) Enabled() bool { return g != nil && len(g.limits) > 0 }

// Lock takes the guard and restarts every budget when the window has passed.
func (g *Guard) Lock() {
	g.mu.Lock()
	if now := g.now(); now.Sub(g.start) >= g.window {
		g.start = now
		clear(g.metrics)
		g.owned = 0
	}
}

// Unlock releases the guard.
func (g *Guard) Unlock() { g.mu.Unlock() }

// Metric returns the state of the named metric, or nil when no limit applies
// to it. Call between Lock and Unlock.
func (g *Guard) Metric(name string) *Metric {
	if m, ok := g.metrics[name]; ok {
		return m
	}
	var keys []Key
	seen := map[string]bool{}
	for _, l := range g.limits {
		if !l.metrics(name) {
			continue
		}
		for _, k := range l.keys {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, Key{Name: k, max: l.max, seed: g.seed})
			}
		}
	}
	if len(keys) == 0 {
		if len(g.metrics) < g.maxMetrics {
			g.metrics[name] = nil
		}
		return nil
	}
	if len(g.metrics) >= g.maxMetrics {
		// Out of room: a metric not tracked gets no budget at all, so its
		// limited keys all overflow and its series count stays bounded.
		full := &Metric{Keys: keys, Untracked: true}
		for i := range full.Keys {
			full.Keys[i].max = 0
		}
		return full
	}
	m := &Metric{Keys: keys, guard: g}
	g.metrics[name] = m
	return m
}

// Admit reports whether value fits key's budget, recording it when it is new
// and there is room. A value already seen this window is always admitted.
func (k *Key) Admit(value string) bool {
	return k.admit(maphash.String(k.seed, value))
}

// AdmitBytes is Admit for a value held in a byte buffer.
func (k *Key) AdmitBytes(value []byte) bool {
	return k.admit(maphash.Bytes(k.seed, value))
}

func (k *Key) admit(h uint64) bool {
	if _, ok := k.values[h]; ok {
		return true
	}
	if len(k.values) >= k.max {
		return false
	}
	if k.values == nil {
		k.values = make(map[uint64]struct{}, min(k.max, 64))
	}
	k.values[h] = struct{}{}
	return true
}

// Tracked returns how many metric names the guard holds this window.
func (g *Guard) Tracked() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.metrics)
}
