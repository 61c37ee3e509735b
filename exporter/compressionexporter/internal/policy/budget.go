package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

import (
	"sync/atomic"
	"time"
)

// trialBudget keeps one signal's trials within a share of the CPU time its
// send path spends compressing. earned is written on the send path; spent
// only by Evaluate, under Adaptive.evalMu.
type trialBudget struct {
	earned atomic.Int64  // send-path compression CPU, nanoseconds
	spent  time.Duration // trial CPU
}

func (b *trialBudget) earn(cpu time.Duration) {
	if cpu > 0 {
		b.earned.Add(int64(cpu))
	}
}

// allows reports whether a trial may run: always for the signal's first one
// (it has no decision yet) and without a budget (share 0); after it, while
// share of the earned CPU covers the trials' CPU so far.
func (b *trialBudget) allows(share float64, first bool) bool {
	if first || !(share > 0) {
		return true
	}
	return share*float64(b.earned.Load()) >= float64(b.spent)
}

func (b *trialBudget) spend(cpu time.Duration) { b.spent += cpu }
