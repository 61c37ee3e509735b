// Package samplingstateextension provides the sampling_state extension: the
// contract through which adaptive_sampling processors on several replicas share
// per-interval, per-key span counts, and its in-memory backend.
package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"

import (
	"context"
	"fmt"
	"sync"
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

// memoryStore keeps the totals of the last retained intervals in process memory.
type memoryStore struct {
	*memoryHealth

	retained int
	maxKeys  int

	mu        sync.Mutex
	intervals map[int64]map[string]int64
	newest    int64
}

func newMemoryStore(retained, maxKeys int) *memoryStore {
	return &memoryStore{memoryHealth: newMemoryHealth(), retained: retained, maxKeys: maxKeys, intervals: make(map[int64]map[string]int64)}
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
