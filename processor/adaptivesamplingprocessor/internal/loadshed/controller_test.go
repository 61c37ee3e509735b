package loadshed

import (
	"math"
	"testing"
	"time"
)

func settings() Settings {
	return Settings{
		LatencyThreshold:     500 * time.Millisecond,
		ErrorRateThreshold:   0.05,
		QueueThreshold:       0.5,
		OpenBreakerThreshold: 0.5,
		DecreaseOnLatency:    0.8,
		DecreaseOnErrors:     0.9,
		Increase:             1.1,
		MinFactor:            0.1,
		Hysteresis:           0.2,
	}
}

var (
	healthy = Signal{Latency: 10 * time.Millisecond}
	slow    = Signal{Latency: time.Second}
	failing = Signal{Latency: 10 * time.Millisecond, ErrorRate: 0.5}
	// between is above (1-hysteresis)*threshold but below the threshold.
	between = Signal{Latency: 450 * time.Millisecond}
)

func TestDecreaseSteps(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sig    Signal
		want   float64
		reason string
	}{
		{"latency", slow, 0.8, ReasonLatency},
		{"queue", Signal{QueueFill: 0.9}, 0.8, ReasonQueue},
		{"errors", failing, 0.9, ReasonErrors},
		{"open breakers", Signal{OpenBreakerShare: 0.5}, 0.9, ReasonOpenBreakers},
		{"open breakers below their threshold", Signal{OpenBreakerShare: 0.49}, 1, ""},
		{"errors win a tie with open breakers", Signal{ErrorRate: 1, OpenBreakerShare: 1}, 0.9, ReasonErrors},
		{"the strongest decrease wins", Signal{Latency: time.Second, ErrorRate: 1}, 0.8, ReasonLatency},
		{"healthy at factor 1 holds", healthy, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewController(settings())
			got, reason := c.Evaluate(tc.sig)
			if got != tc.want || reason != tc.reason {
				t.Fatalf("Evaluate(%+v) = %v %q, want %v %q", tc.sig, got, reason, tc.want, tc.reason)
			}
		})
	}
}

// TestFloorAndRecovery drives the controller to its floor, holds it there,
// then recovers to exactly 1 and stops changing.
func TestFloorAndRecovery(t *testing.T) {
	c := NewController(settings())
	changes := 0
	for range 50 {
		if _, r := c.Evaluate(slow); r != "" {
			changes++
		}
	}
	if c.Factor() != 0.1 {
		t.Fatalf("factor after 50 stressed intervals = %v, want the floor 0.1", c.Factor())
	}
	// 0.8^10 < 0.1 < 0.8^11: ten decreases reach the floor, then nothing changes.
	if changes != 11 {
		t.Fatalf("%d changes on the way down, want 11 (10 steps and the clamp to the floor)", changes)
	}
	changes = 0
	for range 100 {
		if _, r := c.Evaluate(healthy); r != "" {
			changes++
		}
	}
	if c.Factor() != 1 {
		t.Fatalf("factor after recovery = %v, want exactly 1", c.Factor())
	}
	// 1.1^24 < 10 <= 1.1^25: 25 increases.
	if changes != 25 {
		t.Fatalf("%d changes on the way up, want 25", changes)
	}
}

// TestHysteresis holds the factor while a signal sits between the recovery
// level and the threshold, and does not change it on a noisy signal around
// the recovery level more than the noise crosses the band.
func TestHysteresis(t *testing.T) {
	c := NewController(settings())
	c.Evaluate(slow)
	for range 10 {
		if f, r := c.Evaluate(between); r != "" || f != 0.8 {
			t.Fatalf("between recovery level and threshold: %v %q, want to hold 0.8", f, r)
		}
	}
	if f, r := c.Evaluate(healthy); r != ReasonRecovered || math.Abs(f-0.88) > 1e-12 {
		t.Fatalf("healthy: %v %q, want 0.88 %q", f, r, ReasonRecovered)
	}
	// A signal oscillating inside the band never changes the factor.
	c = NewController(settings())
	c.Evaluate(slow)
	for i := range 100 {
		sig := Signal{Latency: time.Duration(410+80*(i%2)) * time.Millisecond}
		if _, r := c.Evaluate(sig); r != "" {
			t.Fatalf("interval %d: latency %s inside the hysteresis band changed the factor (%q)", i, sig.Latency, r)
		}
	}
}

// TestBoundedChanges runs a slow phase then a healthy phase with noise on the
// healthy side of the band and counts every change: at most the steps to the
// floor and back.
func TestBoundedChanges(t *testing.T) {
	c := NewController(settings())
	changes := 0
	step := func(sig Signal) {
		if _, r := c.Evaluate(sig); r != "" {
			changes++
		}
	}
	for range 5 {
		step(slow)
	}
	for i := range 200 {
		step(Signal{Latency: time.Duration(100+250*(i%2)) * time.Millisecond, ErrorRate: 0.03 * float64(i%2)})
	}
	if c.Factor() != 1 {
		t.Fatalf("factor = %v, want 1", c.Factor())
	}
	// Down 5 steps (0.8^5 = 0.328), up ceil(log(1/0.328)/log(1.1)) = 12 steps.
	if changes != 17 {
		t.Fatalf("%d changes, want 17", changes)
	}
}

// TestOpenBreakersRecovery holds the factor while the share of open breakers
// sits in the hysteresis band and recovers once it falls below it.
func TestOpenBreakersRecovery(t *testing.T) {
	c := NewController(settings())
	if f, r := c.Evaluate(Signal{OpenBreakerShare: 1}); f != 0.9 || r != ReasonOpenBreakers {
		t.Fatalf("all breakers open: %v %q, want 0.9 %q", f, r, ReasonOpenBreakers)
	}
	// 0.45 is above (1-0.2)*0.5 = 0.4: hold.
	if f, r := c.Evaluate(Signal{OpenBreakerShare: 0.45}); f != 0.9 || r != "" {
		t.Fatalf("open share in the band: %v %q, want to hold 0.9", f, r)
	}
	if f, r := c.Evaluate(Signal{OpenBreakerShare: 0.25}); r != ReasonRecovered || math.Abs(f-0.99) > 1e-12 {
		t.Fatalf("open share below the band: %v %q, want 0.99 %q", f, r, ReasonRecovered)
	}
}

// TestDisabledTriggers ignores signals whose threshold is 0.
func TestDisabledTriggers(t *testing.T) {
	s := settings()
	s.LatencyThreshold = 0
	c := NewController(s)
	if f, r := c.Evaluate(Signal{Latency: time.Hour}); f != 1 || r != "" {
		t.Fatalf("latency with latency_threshold 0: %v %q, want no change", f, r)
	}
}
