package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

import (
	"sync"
	"time"
)

// Link estimates the throughput of the link to the backend from recent
// sends. A send of b bytes taking d is modelled as d = latency + b/rate;
// with enough spread in sizes, a least-squares fit over the recent sends
// separates the fixed latency from the per-byte time, otherwise the estimate
// is total bytes over total time. Estimates are smoothed across evaluations
// with an exponential moving average.
type Link struct {
	mu      sync.Mutex
	bytes   [linkWindow]float64
	secs    [linkWindow]float64
	n, next int
	ema     float64
}

const (
	linkWindow = 256
	linkAlpha  = 0.3
)

// Observe records one send.
func (l *Link) Observe(wireBytes int, d time.Duration) {
	if wireBytes <= 0 || d <= 0 {
		return
	}
	l.mu.Lock()
	l.bytes[l.next] = float64(wireBytes)
	l.secs[l.next] = d.Seconds()
	l.next = (l.next + 1) % linkWindow
	if l.n < linkWindow {
		l.n++
	}
	l.mu.Unlock()
}

// Estimate folds the current window into the moving average and returns it
// in bytes per second; 0 means nothing has been observed yet.
func (l *Link) Estimate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == 0 {
		return l.ema
	}
	rate := EstimateRate(l.bytes[:l.n], l.secs[:l.n])
	if rate > 0 {
		if l.ema == 0 {
			l.ema = rate
		} else {
			l.ema = linkAlpha*rate + (1-linkAlpha)*l.ema
		}
	}
	return l.ema
}

// EstimateRate returns bytes per second from (bytes, seconds) pairs.
func EstimateRate(bytes, secs []float64) float64 {
	n := float64(len(bytes))
	var sb, ss, sbb, sbs float64
	for i := range bytes {
		sb += bytes[i]
		ss += secs[i]
		sbb += bytes[i] * bytes[i]
		sbs += bytes[i] * secs[i]
	}
	if ss <= 0 {
		return 0
	}
	aggregate := sb / ss
	varB := sbb/n - (sb/n)*(sb/n)
	meanB := sb / n
	// The fit needs sizes that differ meaningfully (coefficient of variation above 0.5).
	if n < 8 || varB <= 0.25*meanB*meanB {
		return aggregate
	}
	slope := (sbs/n - (sb/n)*(ss/n)) / varB // seconds per byte
	if slope <= 0 {
		return aggregate
	}
	rate := 1 / slope
	if rate < aggregate {
		// Latency cannot be negative: the per-byte rate is at least the aggregate.
		return aggregate
	}
	return rate
}
