package enrichmentprocessor

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/processor"
)

// enrichers shares one enricher among the signals of one component (the
// collector passes the same *Config to each create call), so a component in
// traces, metrics and logs pipelines loads and watches each table once and
// counts each reload once.
var enrichers = sharedEnrichers{m: map[*Config]*sharedEnricher{}}

type sharedEnrichers struct {
	mu sync.Mutex
	m  map[*Config]*sharedEnricher
}

// sharedEnricher is an enricher with the count of processors using it.
type sharedEnricher struct {
	*enricher
	owner *sharedEnrichers
	cfg   *Config
	refs  int // guarded by owner.mu

	once     sync.Once
	startErr error
}

func (s *sharedEnrichers) acquire(set processor.Settings, cfg *Config) (*sharedEnricher, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[cfg]; ok {
		e.refs++
		return e, nil
	}
	inner, err := newEnricher(set, cfg)
	if err != nil {
		return nil, err
	}
	e := &sharedEnricher{enricher: inner, owner: s, cfg: cfg, refs: 1}
	s.m[cfg] = e
	return e, nil
}

// startOnce starts the enricher at the first Start; later calls return the same result.
func (e *sharedEnricher) startOnce(ctx context.Context, host component.Host) error {
	e.once.Do(func() { e.startErr = e.start(ctx, host) })
	return e.startErr
}

// release shuts the enricher down when the last processor using it shuts down.
func (e *sharedEnricher) release(ctx context.Context) error {
	e.owner.mu.Lock()
	e.refs--
	last := e.refs == 0
	if last {
		delete(e.owner.m, e.cfg)
	}
	e.owner.mu.Unlock()
	if !last {
		return nil
	}
	return e.shutdown(ctx)
}
