package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Store shares per-interval, per-key counts between replicas. Intervals are
// numbered by the caller (Unix time divided by the adjustment interval), so
// replicas with the same adjustment interval agree on them. Implementations
// must be safe for concurrent use and must honour ctx's deadline.
type Store interface {
	// AddCounts adds counts to the totals of interval.
	AddCounts(ctx context.Context, interval int64, counts map[string]int64) error
	// MergedCounts returns the totals of interval over every replica that has
	// added counts to it (an empty map when none has).
	MergedCounts(ctx context.Context, interval int64) (map[string]int64, error)
}

// Membership is implemented by stores that know which replicas are live.
// Replicas call Heartbeat once per adjustment; a replica whose registration
// expired is no longer counted.
type Membership interface {
	// Heartbeat registers replica as live in group until ttl from now and
	// returns the number of live replicas of group, itself included.
	Heartbeat(ctx context.Context, group, replica string, ttl time.Duration) (int, error)
	// Leave removes replica from group at once.
	Leave(ctx context.Context, group, replica string) error
}

// memoryStore keeps the totals of the last retained intervals in process memory.
type memoryStore struct {
	*memoryHealth
	memoryBrake

	retained int
	maxKeys  int

	mu        sync.Mutex
	intervals map[int64]map[string]int64
	newest    int64
	// replicas holds, per group, when each registration expires.
	replicas map[string]map[string]time.Time
}

func newMemoryStore(retained, maxKeys int) *memoryStore {
	return &memoryStore{memoryHealth: newMemoryHealth(), retained: retained, maxKeys: maxKeys, intervals: make(map[int64]map[string]int64), replicas: map[string]map[string]time.Time{}}
}

func (*memoryStore) start(context.Context) error    { return nil }
func (*memoryStore) shutdown(context.Context) error { return nil }

// errKeyLimit reports counts refused because an interval reached max_keys.
type errKeyLimit struct {
	interval int64
	dropped  int
	maxKeys  int
}

func (e *errKeyLimit) Error() string {
	return fmt.Sprintf("interval %d holds max_keys=%d keys; %d new key(s) not recorded", e.interval, e.maxKeys, e.dropped)
}

func (m *memoryStore) AddCounts(ctx context.Context, interval int64, counts map[string]int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if interval <= m.newest-int64(m.retained) {
		return fmt.Errorf("interval %d is older than the %d retained intervals (newest %d)", interval, m.retained, m.newest)
	}
	totals, ok := m.intervals[interval]
	if !ok {
		totals = make(map[string]int64, len(counts))
		m.intervals[interval] = totals
	}
	dropped := 0
	for k, c := range counts {
		if _, exists := totals[k]; !exists && len(totals) >= m.maxKeys {
			dropped++
			continue
		}
		totals[k] += c
	}
	if interval > m.newest {
		m.newest = interval
		for i := range m.intervals {
			if i <= m.newest-int64(m.retained) {
				delete(m.intervals, i)
			}
		}
	}
	if dropped > 0 {
		return &errKeyLimit{interval: interval, dropped: dropped, maxKeys: m.maxKeys}
	}
	return nil
}

func (m *memoryStore) MergedCounts(ctx context.Context, interval int64) (map[string]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	totals := m.intervals[interval]
	out := make(map[string]int64, len(totals))
	for k, c := range totals {
		out[k] = c
	}
	return out, nil
}

// intervalCount is the number of intervals held (for tests).
func (m *memoryStore) intervalCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.intervals)
}

func (m *memoryStore) Heartbeat(ctx context.Context, group, replica string, ttl time.Duration) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	g := m.replicas[group]
	if g == nil {
		g = map[string]time.Time{}
		m.replicas[group] = g
	}
	g[replica] = now.Add(ttl)
	for r, until := range g {
		if until.Before(now) {
			delete(g, r)
		}
	}
	return len(g), nil
}

func (m *memoryStore) Leave(_ context.Context, group, replica string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.replicas[group], replica)
	return nil
}
