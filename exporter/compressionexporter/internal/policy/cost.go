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

// Cheapest returns the trial with the lowest cost. Ties go to the earlier
// trial, so candidate order (the allowed list) breaks them. ok is false when
// trials is empty or the link rate is not positive.
func Cheapest(trials []Trial, linkBytesPerSecond float64) (best Trial, ok bool) {
	if len(trials) == 0 || !(linkBytesPerSecond > 0) {
		return Trial{}, false
	}
	best = trials[0]
	bestCost := best.Cost(linkBytesPerSecond)
	for _, t := range trials[1:] {
		if c := t.Cost(linkBytesPerSecond); c < bestCost {
			best, bestCost = t, c
		}
	}
	return best, true
}
