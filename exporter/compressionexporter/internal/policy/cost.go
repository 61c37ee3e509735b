package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

import "time"

// Trial is the measured result of compressing one sample with one candidate.
type Trial struct {
	Codec    string
	Level    int
	InBytes  int           // uncompressed bytes of the sample
	OutBytes int           // compressed bytes
	CPU      time.Duration // CPU time spent compressing
}

// Key names the trial's codec and level, e.g. "zstd:3".
func (t Trial) Key() string { return Choice{Codec: t.Codec, Level: t.Level}.Key() }

// Cost is the estimated time the sample costs with this candidate: CPU time
// to compress it plus the time its compressed bytes occupy a link moving
// linkBytesPerSecond.
func (t Trial) Cost(linkBytesPerSecond float64) float64 {
	return t.CPU.Seconds() + float64(t.OutBytes)/linkBytesPerSecond
}

// Cheapest returns the trial to use: the one with the least CPU time among
// those whose cost is within (1+tolerance) of the lowest. Trials are sampled
// and their CPU time is noisy, so costs that close are a tie; a tie goes to
// the candidate that spends less of the gateway's own CPU, and then to the
// earlier trial (candidate order, the allowed list). A tolerance of 0 picks
// the lowest cost. ok is false when trials is empty or the link rate is not
// positive.
func Cheapest(trials []Trial, linkBytesPerSecond, tolerance float64) (best Trial, ok bool) {
	if len(trials) == 0 || !(linkBytesPerSecond > 0) {
		return Trial{}, false
	}
	lowest := trials[0].Cost(linkBytesPerSecond)
	for _, t := range trials[1:] {
		lowest = min(lowest, t.Cost(linkBytesPerSecond))
	}
	bound := lowest * (1 + max(tolerance, 0))
	found := false
	for _, t := range trials {
		if t.Cost(linkBytesPerSecond) > bound {
			continue
		}
		if !found || t.CPU < best.CPU {
			best, found = t, true
		}
	}
	return best, true
}
