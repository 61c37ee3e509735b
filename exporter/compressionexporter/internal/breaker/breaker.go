package breaker // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/breaker"

import (
	"sync"
	"time"
)

// State is a breaker state.
type State int

// States, in the order of their gauge values.
const (
	Closed State = iota
	HalfOpen
	Open
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half_open"
	default:
		return "open"
	}
}

// Settings are a breaker's thresholds.
type Settings struct {
	// FailureThreshold consecutive endpoint failures open the breaker.
	FailureThreshold int
	// CoolDown is how long an open breaker waits before it lets probes through.
	CoolDown time.Duration
	// HalfOpenProbes is how many requests may be in flight while half-open.
	HalfOpenProbes int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Breaker is safe for concurrent use.
type Breaker struct {
	s        Settings
	mu       sync.Mutex
	state    State
	fails    int
	openedAt time.Time
	probes   int
	onChange func(from, to State)
}

// New returns a closed breaker. onChange, when not nil, is called (under
// the breaker's lock, so it must not call back) on every transition.
func New(s Settings, onChange func(from, to State)) *Breaker {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.FailureThreshold < 1 {
		s.FailureThreshold = 1
	}
	if s.HalfOpenProbes < 1 {
		s.HalfOpenProbes = 1
	}
	return &Breaker{s: s, onChange: onChange}
}

func (b *Breaker) set(to State) {
	if b.state == to {
		return
	}
	from := b.state
	b.state = to
	if b.onChange != nil {
		b.onChange(from, to)
	}
}

// advance moves an open breaker whose cool-down has passed to half-open.
func (b *Breaker) advance() {
	if b.state == Open && !b.s.Now().Before(b.openedAt.Add(b.s.CoolDown)) {
		b.probes = 0
		b.set(HalfOpen)
	}
}

// State returns the current state.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance()
	return b.state
}

// Usable reports, without reserving anything, whether Allow would let a
// request through now.
func (b *Breaker) Usable() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance()
	return b.state == Closed || (b.state == HalfOpen && b.probes < b.s.HalfOpenProbes)
}

// Allow reports whether a request may go to the endpoint now; when it
// returns true the caller must report the outcome with Success, Failure or
// Neutral. A half-open breaker lets HalfOpenProbes requests through at a time.
func (b *Breaker) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance()
	switch b.state {
	case Closed:
		return true
	case HalfOpen:
		if b.probes < b.s.HalfOpenProbes {
			b.probes++
			return true
		}
	}
	return false
}

// Success records a request the endpoint answered (including permanent
// rejections of bad data: the endpoint is up).
func (b *Breaker) Success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fails = 0
	if b.state == HalfOpen {
		b.probes = max(b.probes-1, 0)
	}
	b.set(Closed)
}

// Failure records a failure that is the endpoint's fault (unavailable,
// refused, reset, deadline).
func (b *Breaker) Failure() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fails++
	switch b.state {
	case HalfOpen:
		b.open()
	case Closed:
		if b.fails >= b.s.FailureThreshold {
			b.open()
		}
	case Open:
		// A request sent while every breaker was open failed: restart the cool-down.
		b.openedAt = b.s.Now()
	}
}

// Neutral releases a probe slot without judging the endpoint (the request
// was canceled by the caller).
func (b *Breaker) Neutral() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == HalfOpen {
		b.probes = max(b.probes-1, 0)
	}
}

func (b *Breaker) open() {
	b.openedAt = b.s.Now()
	b.probes = 0
	b.set(Open)
}
