package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

import "sync/atomic"

// rateShift and sizeShift are the changes of link rate and of mean request
// size (as factors, either way) that end a backoff: the traffic or the link
// no longer is what the last trial judged.
const (
	rateShift = 1.25
	sizeShift = 2.0
)

// backoff spaces out one signal's trials while its choice is stable. The
// request counters are written on the send path; the rest only by Evaluate,
// under Adaptive.evalMu.
type backoff struct {
	requests, bytes atomic.Int64

	every int     // evaluations between trials, 1 after a change
	wait  int     // evaluations to skip before the next trial
	rate  float64 // link rate at the last trial
	mean  float64 // mean request size at the last trial
}

// observe counts one request offered to the sample.
func (b *backoff) observe(n int) {
	b.requests.Add(1)
	b.bytes.Add(int64(n))
}

// takeMean returns the mean size of the requests observed since the last
// call (0 without requests) and resets the counters.
func (b *backoff) takeMean() float64 {
	r, n := b.requests.Swap(0), b.bytes.Swap(0)
	if r == 0 {
		return 0
	}
	return float64(n) / float64(r)
}

// skip reports whether this evaluation skips its trial. It never skips when
// the current choice is no longer usable, or when the link rate or the mean
// request size moved away from what the last trial saw; those end the backoff.
func (b *backoff) skip(rate, mean float64, usable bool) bool {
	if b.wait <= 0 {
		return false
	}
	if !usable || shifted(rate, b.rate, rateShift) || shifted(mean, b.mean, sizeShift) {
		b.every, b.wait = 1, 0
		return false
	}
	b.wait--
	return true
}

// trialed records a trial: kept (the choice did not change) doubles the
// spacing up to maxEvery, a change brings it back to every evaluation.
func (b *backoff) trialed(kept bool, maxEvery int, rate, mean float64) {
	switch {
	case !kept || b.every < 1:
		b.every = 1
	default:
		b.every = min(2*b.every, max(maxEvery, 1))
	}
	b.wait = b.every - 1
	b.rate = rate
	if mean > 0 {
		b.mean = mean
	}
}

// shifted reports whether v moved from ref by more than factor either way;
// unknown values (not positive) never count as a shift.
func shifted(v, ref, factor float64) bool {
	if !(v > 0) || !(ref > 0) {
		return false
	}
	return v > ref*factor || v < ref/factor
}
