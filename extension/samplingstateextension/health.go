package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Signal is the health of one exporter (a source) as it measured it over its
// last publication interval.
type Signal struct {
	// LatencyEWMA is the exponentially weighted moving average of export latency.
	LatencyEWMA time.Duration
	// ErrorRate is the share of failed exports over the source's error window, in [0, 1].
	ErrorRate float64
	// QueueFill is the fill ratio of the source's sending queue, in [0, 1].
	QueueFill float64
	// OpenBreakerShare is the share of the source's endpoints whose circuit
	// breaker is open, in [0, 1].
	OpenBreakerShare float64
}

// Stress combines two signals into the one that is at least as stressed in
// every dimension: the maximum of each field. This is the combination rule of
// CombinedHealth over sources and replicas: a backend is as stressed as the
// most stressed exporter reports it, so one struggling replica is enough to
// make every replica shed load, and all of them read the same value.
func (s Signal) Stress(o Signal) Signal {
	return Signal{
		LatencyEWMA:      max(s.LatencyEWMA, o.LatencyEWMA),
		ErrorRate:        max(s.ErrorRate, o.ErrorRate),
		QueueFill:        max(s.QueueFill, o.QueueFill),
		OpenBreakerShare: max(s.OpenBreakerShare, o.OpenBreakerShare),
	}
}

// Health shares backend health between exporters (which publish it) and
// samplers (which read the combined value). A networked backend implements it
// with one expiring entry per source (for example a Redis key written with a
// TTL) and CombinedHealth reads every live entry of every replica; the memory
// backend holds the entries of one process. Implementations must be safe for
// concurrent use and must honour ctx's deadline.
type Health interface {
	// PublishHealth records source's newest signal; it is forgotten after ttl
	// unless published again.
	PublishHealth(ctx context.Context, source string, s Signal, ttl time.Duration) error
	// CombinedHealth returns the maximum stress (see Signal.Stress) over every
	// live source, and how many sources contributed (0: nobody published
	// within its ttl, the zero Signal is returned).
	CombinedHealth(ctx context.Context) (Signal, int, error)
}

// maxHealthSources bounds the sources the memory backend holds.
const maxHealthSources = 1024

// memoryHealth is the memory backend's Health.
type memoryHealth struct {
	now func() time.Time

	mu      sync.Mutex
	sources map[string]healthEntry
}

type healthEntry struct {
	signal  Signal
	expires time.Time
}

func newMemoryHealth() *memoryHealth {
	return &memoryHealth{now: time.Now, sources: make(map[string]healthEntry)}
}

func (m *memoryHealth) PublishHealth(ctx context.Context, source string, s Signal, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ttl <= 0 {
		return fmt.Errorf("health ttl: must be positive, got %s", ttl)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, known := m.sources[source]; !known && len(m.sources) >= maxHealthSources {
		m.prune(now)
		if len(m.sources) >= maxHealthSources {
			return fmt.Errorf("health: %d sources are live, source %q not recorded", len(m.sources), source)
		}
	}
	m.sources[source] = healthEntry{signal: s, expires: now.Add(ttl)}
	return nil
}

func (m *memoryHealth) CombinedHealth(ctx context.Context) (Signal, int, error) {
	if err := ctx.Err(); err != nil {
		return Signal{}, 0, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prune(now)
	var out Signal
	for _, e := range m.sources {
		out = out.Stress(e.signal)
	}
	return out, len(m.sources), nil
}

func (m *memoryHealth) prune(now time.Time) {
	for k, e := range m.sources {
		if !now.Before(e.expires) {
			delete(m.sources, k)
		}
	}
}

var _ Health = (*samplingState)(nil)

// PublishHealth records source's signal in the backend, when it shares health.
func (s *samplingState) PublishHealth(ctx context.Context, source string, sig Signal, ttl time.Duration) error {
	h, ok := s.backend.(Health)
	if !ok {
		return errNoHealth
	}
	return h.PublishHealth(ctx, source, sig, ttl)
}

// CombinedHealth reads the combined signal of the backend, when it shares health.
func (s *samplingState) CombinedHealth(ctx context.Context) (Signal, int, error) {
	h, ok := s.backend.(Health)
	if !ok {
		return Signal{}, 0, errNoHealth
	}
	return h.CombinedHealth(ctx)
}

var errNoHealth = errors.New("this sampling_state backend does not share backend health")
