package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Guard is implemented by stores through which replicas agree on the budget
// brake of an adaptive_throughput rule within an interval. Each interval is
// divided into Instants equal instants on wall-clock boundaries; at the start
// of instant j every replica calls Brake with the spans it kept in instant
// j-1. The first call for (Key, j) decides the brake factor of instant j from
// the fleet's kept spans and records it; every later call for (Key, j) returns
// the recorded factor. Replicas apply it from the start of instant j+Lag, so
// every replica scales its rates by the same factor over the same instants.
type Guard interface {
	// Brake adds req.Kept to the fleet's kept spans of instant req.Instant-1
	// and returns the factor agreed for instant req.Instant, in [0, 1].
	Brake(ctx context.Context, req BrakeRequest) (float64, error)
}

// BrakeRequest is one replica's report at the start of an instant.
type BrakeRequest struct {
	// Key names the rule and the interval (unique per interval).
	Key string
	// Instants is the number of instants per interval (at least 3).
	Instants int
	// Instant is the instant that starts now, in [1, Instants).
	Instant int
	// Lag is the number of instants after Instant at which the factor falls
	// due (at least 1): time for every replica to read it first.
	Lag int
	// Kept is the number of spans this replica kept in instant Instant-1.
	Kept int64
	// Budget is the number of spans the fleet may keep in the interval.
	Budget float64
	// TTL is how long the record of the interval is kept after the last call.
	TTL time.Duration
}

func (r BrakeRequest) validate() error {
	if r.Instants < 3 || r.Instant < 1 || r.Instant >= r.Instants {
		return fmt.Errorf("brake: instant %d of %d out of range", r.Instant, r.Instants)
	}
	if r.Lag < 1 || r.Lag >= r.Instants {
		return fmt.Errorf("brake: lag %d out of range", r.Lag)
	}
	if r.Kept < 0 {
		return fmt.Errorf("brake: negative kept count %d", r.Kept)
	}
	return nil
}

// The brake decision. Before deciding instant j, the kept spans of instants
// 0..j-2 are complete (every replica reported them at the start of instant
// j-1); instant j-1 is being reported now. The factor in force during
// instant i is the one decided at instant i-1 (1 for instants 0 and 1).
//
//   - The unbraked pace r (kept spans per interval at factor 1) is estimated
//     from the last brakeWindow complete instants, each divided by its factor
//     (several instants: a replica's kept spans may land in the next instant
//     when its tail-mode flush runs late).
//   - The kept spans at the end of instant j are projected: the complete
//     count plus instants j-1 .. j+lag-1 at r times their factors.
//   - While no brake is in force, the factor is 1 unless the complete count
//     has crossed the even plan (budget × (j-1)/Instants) by more than
//     BrakeMargin of it plus BrakeSlack of the budget: measured spans, not a
//     projection, so a replica whose kept spans land in a later instant (a
//     late tail-mode flush) does not set the brake off.
//   - Otherwise the remaining budget is shared evenly over the rest of the
//     interval: factor = remaining / (r × instants left), capped at 1, 0 when
//     the budget is spent.
const (
	BrakeMargin = 0.10
	BrakeSlack  = 0.05
	brakeWindow = 4
)

// DecideBrake returns the factor decided at instant j of n, in force from
// instant j+lag, from the complete kept counts of instants 0..j-2 (kept[i])
// and the factors decided at instants 1..j-1 (decided[i]; missing decisions
// count as 1). The redis backend runs the same computation in Lua
// (brakeScript).
func DecideBrake(budget float64, n, j, lag int, kept []int64, decided map[int]float64) float64 {
	lag = max(lag, 1)
	if j < 2 || len(kept) < j-1 {
		return 1
	}
	// force is the factor in force during instant i.
	force := func(i int) float64 {
		if d, ok := decided[i-lag]; ok && i-lag >= 1 {
			return d
		}
		return 1
	}
	var complete float64
	for i := 0; i <= j-2; i++ {
		complete += float64(kept[i])
	}
	var pace float64
	samples := 0
	for i := max(j-1-brakeWindow, 0); i <= j-2; i++ {
		if f := force(i); f > 0 {
			pace += float64(kept[i]) * float64(n) / f
			samples++
		}
	}
	prev := 1.0
	if d, ok := decided[j-1]; ok {
		prev = d
	}
	if samples == 0 {
		return prev
	}
	pace /= float64(samples)
	// Projected kept spans when this decision falls due: the complete
	// instants, then j-1 .. j+lag-1 under the factors already decided.
	var ahead float64
	for i := j - 1; i < j+lag; i++ {
		ahead += force(i)
	}
	projected := complete + pace/float64(n)*ahead
	if prev >= 1 && complete <= budget*float64(j-1)/float64(n)*(1+BrakeMargin)+budget*BrakeSlack {
		return 1
	}
	rest := budget - projected
	if rest <= 0 {
		return 0
	}
	if pace <= 0 || n-j-lag <= 0 {
		return 1
	}
	return min(rest/(pace*float64(n-j-lag)/float64(n)), 1)
}

// memoryBrake is the memory backend's Guard: the replicas of one process.
type memoryBrake struct {
	mu      sync.Mutex
	records map[string]*brakeRecord
}

type brakeRecord struct {
	kept    []int64
	decided map[int]float64
	expires time.Time
}

func (m *memoryBrake) Brake(ctx context.Context, req BrakeRequest) (float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := req.validate(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.records == nil {
		m.records = map[string]*brakeRecord{}
	}
	for k, r := range m.records {
		if r.expires.Before(now) {
			delete(m.records, k)
		}
	}
	r := m.records[req.Key]
	if r == nil {
		r = &brakeRecord{kept: make([]int64, req.Instants), decided: map[int]float64{}}
		m.records[req.Key] = r
	}
	r.expires = now.Add(req.TTL)
	if req.Instants > len(r.kept) {
		r.kept = append(r.kept, make([]int64, req.Instants-len(r.kept))...)
	}
	r.kept[req.Instant-1] += req.Kept
	if d, ok := r.decided[req.Instant]; ok {
		return d, nil
	}
	d := DecideBrake(req.Budget, req.Instants, req.Instant, req.Lag, r.kept[:req.Instant-1], r.decided)
	r.decided[req.Instant] = d
	return d, nil
}
