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

// brakeDecision is a factor agreed for one instant, applied from the next one.
type brakeDecision struct {
	interval int64
	instant  int
	factor   float64
	ok       bool
}

// brakeInstant returns the interval of t, numbered like the adjustments (the
// adjustment of interval g happens at g × adjustment_interval plus half of
// it), and the instant of t within it.
func (e *engine) brakeInstant(t time.Time) (int64, int) {
	iv := int64(e.cfg.AdjustmentInterval)
	off := t.UnixNano() - iv/2
	g := off / iv
	if off%iv < 0 {
		g--
	}
	return g, int((off - g*iv) / (iv / brakeInstants))
}

// untilBrake is the wait until the start of the next instant.
func (e *engine) untilBrake(now time.Time) time.Duration {
	step := int64(e.cfg.AdjustmentInterval) / brakeInstants
	off := (now.UnixNano() - int64(e.cfg.AdjustmentInterval)/2) % step
	if off < 0 {
		off += step
	}
	return time.Duration(step - off)
}

// brakeStep runs at the start of every instant: it applies the factor agreed
// at the last instant (when the rates in force are those of the current
// interval's adjustment), then reports the spans kept since and reads the
// factor agreed for this instant. The span path only reads the rates the
// tables hold; it never waits on the store.
func (e *engine) brakeStep(ctx context.Context) {
	g, j := e.brakeInstant(e.now())
	timeout := min(e.cfg.SharedStateTimeout, e.cfg.AdjustmentInterval/brakeInstants)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, r := range e.rules {
		if r.table == nil || !r.table.Guarded() {
			continue
		}
		kept := r.fleetKept.Swap(0)
		b := r.pendingBrake
		r.pendingBrake = brakeDecision{}
		if b.ok && b.interval == g && b.instant < j && e.adjustedInterval.Load() == g {
			if r.table.SetBrake(b.factor) {
				r.brakeChanges.Add(1)
			}
		}
		if j == 0 {
			// The spans kept since the last instant belong to the interval
			// that ended; its brake is over.
			continue
		}
		f, err := e.guard.Brake(ctx, samplingstateextension.BrakeRequest{
			Key:      e.sharedPrefix + r.name + "\x00" + strconv.FormatInt(g, 10),
			Instants: brakeInstants,
			Instant:  j,
			Kept:     kept,
			Budget:   r.table.Budget(e.cfg.AdjustmentInterval.Seconds()),
			TTL:      heartbeatIntervals * e.cfg.AdjustmentInterval,
		})
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
		r.pendingBrake = brakeDecision{interval: g, instant: j, factor: f, ok: true}
	}
}

// brakeLoop runs brakeStep at the start of every instant until stop.
func (e *engine) brakeLoop() {
	defer e.loopDone.Done()
	t := time.NewTimer(e.untilBrake(time.Now()))
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			e.brakeStep(context.Background())
			t.Reset(e.untilBrake(time.Now()))
		}
	}
}
