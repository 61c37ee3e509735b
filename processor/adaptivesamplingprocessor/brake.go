package adaptivesamplingprocessor // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"

import (
	"context"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/otelgate/otelgate/extension/samplingstateextension"
)

// brakeInstants is the number of instants per adjustment interval at which
// the replicas of a fleet agree on the brake of each adaptive_throughput rule
// (see samplingstateextension.Guard).
const brakeInstants = 20

// brakeDecision is a factor agreed for one instant of an interval, due
// (applied) from the start of the next instant.
type brakeDecision struct {
	interval int64
	due      int64 // Unix nanoseconds
	factor   float64
}

// brakeInstant returns the interval of t, numbered like the adjustments (the
// adjustment of interval g happens at g × adjustment_interval plus half of
// it), and the instant of t within it.
func (e *rates) brakeInstant(t time.Time) (int64, int) {
	iv := int64(e.cfg.AdjustmentInterval)
	off := t.UnixNano() - iv/2
	g := off / iv
	if off%iv < 0 {
		g--
	}
	return g, int((off - g*iv) / (iv / brakeInstants))
}

// untilBrake is the wait until the start of the next instant.
func (e *rates) untilBrake(now time.Time) time.Duration {
	step := int64(e.cfg.AdjustmentInterval) / brakeInstants
	off := (now.UnixNano() - int64(e.cfg.AdjustmentInterval)/2) % step
	if off < 0 {
		off += step
	}
	return time.Duration(step - off)
}

// brakeStep runs at the start of every instant: it reports the spans kept
// since the last instant and reads the factor agreed for this instant, due
// from the start of the next one. The span path never waits on the store: it
// only reads the rates the tables hold, and applies a decision that fell due
// (applyBrakes) before deciding.
func (e *rates) brakeStep(ctx context.Context) {
	now := e.now()
	e.applyBrakes(now)
	g, j := e.brakeInstant(now)
	// A factor read after it fell due is still applied at once: a slow call
	// may take up to two instants (the next step then waits for the one after).
	timeout := min(e.cfg.SharedStateTimeout, 2*e.cfg.AdjustmentInterval/brakeInstants)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	iv := int64(e.cfg.AdjustmentInterval)
	for _, r := range e.rules {
		if r.table == nil || !r.table.Guarded() {
			continue
		}
		kept := r.fleetKept.Swap(0)
		last := r.lastBrake
		r.lastBrake = brakeDecision{interval: g, due: int64(j)}
		if j == 0 {
			// The spans kept since the last instant belong to the interval
			// that ended; its brake is over.
			r.pendingBrake.Store(nil)
			continue
		}
		req := samplingstateextension.BrakeRequest{
			Key:      e.sharedPrefix + r.name + "\x00" + strconv.FormatInt(g, 10),
			Instants: brakeInstants,
			Lag:      1,
			Kept:     kept,
			Budget:   r.table.Budget(e.cfg.AdjustmentInterval.Seconds()),
			TTL:      heartbeatIntervals * e.cfg.AdjustmentInterval,
		}
		if j >= 2 && last.interval == g && last.due < int64(j-1) {
			// This step woke too late for the last instant: read the factor
			// the fleet agreed then, due now, before this instant's.
			req.Instant = j - 1
			if f, err := e.guard.Brake(ctx, req); err == nil {
				r.pendingBrake.Store(&brakeDecision{interval: g, due: g*iv + iv/2 + int64(j)*(iv/brakeInstants), factor: f})
				e.applyBrakes(e.now())
				req.Kept = 0
			}
		}
		req.Instant = j
		f, err := e.guard.Brake(ctx, req)
		if err != nil {
			e.brakeErrs.Add(1)
			if !e.brakeDown {
				e.brakeDown = true
				e.logger.Warn("fleet budget brake unavailable, rates stay those of the last adjustment", zap.Error(err))
			}
			continue
		}
		if e.brakeDown {
			e.brakeDown = false
			e.logger.Info("fleet budget brake available again")
		}
		due := g*iv + iv/2 + int64(j+1)*(iv/brakeInstants)
		r.pendingBrake.Store(&brakeDecision{interval: g, due: due, factor: f})
	}
}

// applyBrakes applies the agreed factors that fell due at now, when the rates
// in force are those of the decision's interval. Every replica applies a
// factor at its due time whatever the moment its loop woke or read it. One
// atomic load per rule when none is due.
func (e *rates) applyBrakes(now time.Time) {
	if e.guard == nil {
		return
	}
	var ns int64
	for _, r := range e.rules {
		b := r.pendingBrake.Load()
		if b == nil {
			continue
		}
		if ns == 0 {
			ns = now.UnixNano()
		}
		if ns < b.due || !r.pendingBrake.CompareAndSwap(b, nil) {
			continue
		}
		if e.adjustedInterval.Load() == b.interval && r.table.SetBrake(b.factor) {
			r.brakeChanges.Add(1)
		}
	}
}

// untilFlush is the wait before the next flush of tail-mode decisions. Without
// the fleet brake it is tick. With it, flushes happen at fixed wall-clock
// times, the same on every replica: each instant is divided into the fewest
// equal slots no longer than tick, and a flush happens 2/5 into each slot. A
// trace whose deadline is the same on every replica is then decided at the
// same flush, in the same instant, so under the same brake factor; and a
// flush never falls on the start of an instant, where the factor changes.
func (e *rates) untilFlush(now time.Time, tick time.Duration) time.Duration {
	if e.guard == nil {
		return tick
	}
	instant := e.cfg.AdjustmentInterval / brakeInstants
	slot := instant / ((instant + tick - 1) / tick)
	off := time.Duration((now.UnixNano() - int64(e.cfg.AdjustmentInterval)/2) % int64(slot))
	if off < 0 {
		off += slot
	}
	wait := slot*2/5 - off
	if wait <= 0 {
		wait += slot
	}
	return wait
}

// brakeLoop runs brakeStep at the start of every instant until stop.
func (e *rates) brakeLoop() {
	defer e.loopDone.Done()
	every(e.stop, e.untilBrake, e.brakeStep)
}
