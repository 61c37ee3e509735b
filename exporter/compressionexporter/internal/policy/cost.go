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

// Cheapest returns the trial to use. The trial with the lowest cost is
// measured exactly in bytes but not in CPU time: trial CPU times vary from
// run to run (caches, frequency, other work on the machine), by up to a
// relative cpuNoise. A trial whose cost exceeds the lowest by less than
// cpuNoise times the two trials' CPU times is tied with it, since the
// difference may be the measurement's; of the tied trials the one with the
// least CPU time wins, as it spends less of the gateway's own CPU, then the
// earlier (candidate order, the allowed list). A cpuNoise of 0 picks the
// lowest cost. ok is false when trials is empty or the link rate is not
// positive.
func Cheapest(trials []Trial, linkBytesPerSecond, cpuNoise float64) (best Trial, ok bool) {
	if len(trials) == 0 || !(linkBytesPerSecond > 0) {
		return Trial{}, false
	}
	lowest := trials[0]
	for _, t := range trials[1:] {
		if t.Cost(linkBytesPerSecond) < lowest.Cost(linkBytesPerSecond) {
			lowest = t
		}
	}
	best = lowest
	for _, t := range trials {
		if Tied(t, lowest, linkBytesPerSecond, cpuNoise) && t.CPU < best.CPU {
			best = t
		}
	}
	return best, true
}

// Tied reports whether t's cost exceeds lowest's by no more than cpuNoise
// times their two CPU times (see Cheapest).
func Tied(t, lowest Trial, linkBytesPerSecond, cpuNoise float64) bool {
	return tiedCost(t.Cost(linkBytesPerSecond), lowest.Cost(linkBytesPerSecond), t.CPU.Seconds(), lowest.CPU.Seconds(), cpuNoise)
}

// tiedCost is Tied on costs and CPU times in any one unit (seconds, or
// seconds per byte).
func tiedCost(cost, lowestCost, cpu, lowestCPU, cpuNoise float64) bool {
	return cost-lowestCost <= max(cpuNoise, 0)*(cpu+lowestCPU)
}
