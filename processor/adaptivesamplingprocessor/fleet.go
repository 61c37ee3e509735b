package adaptivesamplingprocessor // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/extension/samplingstateextension"
)

// fleetState says where the current rates come from with a shared state.
type fleetState int

const (
	// fleetShared: from the fleet-wide counts of the store.
	fleetShared fleetState = iota
	// fleetLastTable: the store failed once; the rates of the last
	// fleet-wide adjustment stay.
	fleetLastTable
	// fleetDivided: the store keeps failing; local counts against the goal
	// divided by the last known replica count.
	fleetDivided
	// fleetLocal: the store keeps failing and the replica count was never
	// known; local counts against the whole goal.
	fleetLocal
	fleetStates
)

var fleetStateNames = [fleetStates]string{"shared", "last_table", "divided", "local"}

// heartbeatIntervals is how many adjustment intervals a replica's registration
// outlives its last heartbeat: a replica that stopped without leaving stops
// being counted after that long.
const heartbeatIntervals = 3

// fleet is the processor's view of the replicas sharing its store. Owned by
// rates.adjust (serialised by adjustMu) except the atomics, read at
// collection.
type fleet struct {
	// replica identifies this processor instance in the store's membership.
	replica string
	members samplingstateextension.Membership // nil: the store has no membership

	state fleetState
	// failures counts consecutive failed exchanges.
	failures int
	// haveShared is set once rates came from fleet-wide counts.
	haveShared bool
	// replicas is the last known number of live replicas (0: unknown).
	replicas int

	// adjustments counts the adjustments made in each state.
	adjustments [fleetStates]atomic.Int64
	live        atomic.Int64
}

func newReplicaID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// contributorsKey is the shared-state key to which every replica adds 1 with
// its counts: the fleet-wide total is the number of replicas whose counts
// an interval holds. Rule names are not empty, so it is no rule's key.
func (e *rates) contributorsKey() string { return e.sharedPrefix + "\x00replicas" }

// group is the membership group of this processor instance and signal.
func (e *rates) group() string { return e.sharedPrefix }

func (e *rates) heartbeatTTL() time.Duration {
	return heartbeatIntervals * e.cfg.AdjustmentInterval
}

// exchange adds this replica's counts of the interval that just ended, reads
// the fleet-wide counts of the interval before, which every replica has
// finished adding, and renews this replica's registration.
func (e *rates) exchange(ctx context.Context, local map[string]int64) (map[string]int64, int, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.SharedStateTimeout)
	defer cancel()
	interval := e.now().UnixNano() / int64(e.cfg.AdjustmentInterval)
	if e.fleet.members != nil {
		local[e.contributorsKey()] = 1
	}
	if err := e.store.AddCounts(ctx, interval, local); err != nil {
		return nil, 0, fmt.Errorf("add counts: %w", err)
	}
	merged, err := e.store.MergedCounts(ctx, interval-1)
	if err != nil {
		return nil, 0, fmt.Errorf("merged counts: %w", err)
	}
	replicas := 0
	if e.fleet.members != nil {
		if replicas, err = e.fleet.members.Heartbeat(ctx, e.group(), e.fleet.replica, e.heartbeatTTL()); err != nil {
			return nil, 0, fmt.Errorf("heartbeat: %w", err)
		}
	}
	return merged, replicas, nil
}

// adjustShared adjusts every adaptive rule through the shared state. The rates
// of interval k+1 are a function of the fleet-wide counts of interval k alone
// (Table.Reset), so every replica computes bit-identical thresholds. When the
// store fails, the last table stays for one interval, then local counts are
// used against goal ÷ the last known replica count, or against the whole goal
// when that count was never known.
func (e *rates) adjustShared(ctx context.Context, counts map[*rule]map[string]int64, local map[string]int64, localBefore map[*rule]int64) {
	seconds := e.cfg.AdjustmentInterval.Seconds()
	f := &e.fleet
	merged, replicas, err := e.exchange(ctx, local)
	if err != nil {
		e.sharedErrs.Add(1)
		f.failures++
		next := fleetLocal
		switch {
		case f.failures == 1 && f.haveShared:
			next = fleetLastTable
		case f.replicas > 0:
			next = fleetDivided
		}
		e.enterFleetState(next, err)
		f.adjustments[next].Add(1)
		if next == fleetLastTable {
			return
		}
		n := 1
		if next == fleetDivided {
			n = f.replicas
		}
		for r, c := range counts {
			if r.table.Guarded() && n > 1 {
				// The local counts stand for 1/n of the fleet: scaled to the
				// fleet against the fleet budget, they get the rates that
				// goal ÷ n gives over the local counts.
				scaled := make(map[string]int64, len(c))
				for k, v := range c {
					scaled[k] = v * int64(n)
				}
				c = scaled
			}
			r.table.SetShare(1 / float64(n))
			if err := r.table.Adjust(c, seconds); err != nil {
				e.logger.Error("rate adjustment failed", zap.String("rule", r.name), zap.Error(err))
			}
		}
		return
	}
	f.failures = 0
	if replicas > 0 {
		f.replicas = replicas
		f.live.Store(int64(replicas))
	}
	e.enterFleetState(fleetShared, nil)
	f.adjustments[fleetShared].Add(1)
	if len(merged) == 0 {
		// No complete fleet interval yet (the first adjustment, or the store
		// lost its data): the current rates stay.
		return
	}
	contributors := int(merged[e.contributorsKey()])
	for r := range counts {
		c := splitShared(merged, e.sharedPrefix+r.name)
		var total int64
		for _, v := range c {
			total += v
		}
		r.table.SetShare(guardShare(localBefore[r], total, contributors, f.replicas))
		if err := r.table.Reset(c, seconds); err != nil {
			e.logger.Error("rate adjustment failed", zap.String("rule", r.name), zap.Error(err))
		}
	}
	f.haveShared = true
}

// guardShare is the share of the fleet budget this replica's guard holds it
// to: its share of the fleet's volume in the interval the rates come from,
// rescaled when replicas left or joined since (then replicas added counts to
// that interval, now are live): the traffic of a replica that left is spread over those that remain.
// A replica that had no traffic then gets 1/now. 0 means the whole budget.
func guardShare(local, total int64, then, now int) float64 {
	if local <= 0 || total <= 0 {
		if now > 0 {
			return 1 / float64(now)
		}
		return 0
	}
	share := float64(local) / float64(total)
	if then > 0 && now > 0 {
		share *= float64(then) / float64(now)
	}
	return min(share, 1)
}

// enterFleetState logs a change of state once.
func (e *rates) enterFleetState(next fleetState, err error) {
	prev := e.fleet.state
	if prev == next {
		return
	}
	e.fleet.state = next
	fields := []zap.Field{zap.String("from", fleetStateNames[prev]), zap.String("to", fleetStateNames[next])}
	switch next {
	case fleetShared:
		e.logger.Info("shared sampling state available again, adjusting from fleet-wide counts", fields...)
	case fleetLastTable:
		e.logger.Warn("shared sampling state unavailable, keeping the last fleet-wide rates", append(fields, zap.Error(err))...)
	case fleetDivided:
		e.logger.Warn("shared sampling state unavailable, adjusting from local counts against the goal divided by the last known replica count",
			append(fields, zap.Int("replicas", e.fleet.replicas), zap.Error(err))...)
	default:
		e.logger.Warn("shared sampling state unavailable, adjusting from local counts against the whole goal", append(fields, zap.Error(err))...)
	}
}

// joinFleet runs once before the first adjustment: it registers this replica
// and takes the rates the fleet is using now (those computed from the
// interval before the last adjustment), so a replica that joins a running
// fleet decides like the others from the start. Failures are left to the
// adjustments.
func (e *rates) joinFleet(ctx context.Context) {
	e.adjustMu.Lock()
	defer e.adjustMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, e.cfg.SharedStateTimeout)
	defer cancel()
	iv := int64(e.cfg.AdjustmentInterval)
	last := (e.now().UnixNano() - iv/2) / iv // number of the last adjustment
	// The fleet brake applies to the rates in force from now on, whether
	// they come from the fleet or are the initial ones.
	e.adjustedInterval.Store(last)
	if e.fleet.members != nil {
		n, err := e.fleet.members.Heartbeat(ctx, e.group(), e.fleet.replica, e.heartbeatTTL())
		if err != nil {
			return
		}
		e.fleet.replicas = n
		e.fleet.live.Store(int64(n))
	}
	merged, err := e.store.MergedCounts(ctx, last-1)
	if err != nil || len(merged) == 0 {
		return
	}
	for _, r := range e.rules {
		if r.table == nil {
			continue
		}
		r.table.SetShare(guardShare(0, 0, 0, e.fleet.replicas))
		if err := r.table.Reset(splitShared(merged, e.sharedPrefix+r.name), e.cfg.AdjustmentInterval.Seconds()); err != nil {
			e.logger.Error("rate adjustment failed", zap.String("rule", r.name), zap.Error(err))
		}
	}
	e.fleet.haveShared = true
}

// leaveFleet removes this replica from the membership at shutdown.
func (e *rates) leaveFleet() {
	if e.fleet.members == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.SharedStateTimeout)
	defer cancel()
	if err := e.fleet.members.Leave(ctx, e.group(), e.fleet.replica); err != nil {
		e.logger.Debug("leaving the shared sampling state failed; the registration will expire", zap.Error(err))
	}
}

func (e *rates) observeFleet(o metric.Observer) {
	tb := e.telemetry
	for s := fleetShared + 1; s < fleetStates; s++ {
		o.ObserveInt64(tb.ProcessorAdaptiveSamplingSharedStateFallbacks, e.fleet.adjustments[s].Load(),
			metric.WithAttributes(attribute.String("state", fleetStateNames[s]), attribute.String("signal", e.signal)))
	}
	if e.fleet.members != nil {
		o.ObserveInt64(tb.ProcessorAdaptiveSamplingSharedStateReplicas, e.fleet.live.Load(),
			metric.WithAttributes(attribute.String("signal", e.signal)))
	}
}
