package sampler // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"

// AdaptiveThroughput keeps about GoalPerSecond spans per second overall,
// giving rare keys a larger share than busy ones.
type AdaptiveThroughput struct {
	GoalPerSecond float64
}

// Initial keeps everything until the first counts are known.
func (AdaptiveThroughput) Initial() float64 { return 1 }

// Allocate shares a budget of GoalPerSecond*intervalSeconds spans between the
// keys. New keys get the overall keep ratio of the last interval.
func (a AdaptiveThroughput) Allocate(counts map[string]float64, intervalSeconds float64) (map[string]float64, float64) {
	budget := a.Budget(intervalSeconds)
	var total float64
	for _, c := range counts {
		total += c
	}
	fallback := 1.0
	if total > budget {
		fallback = budget / total
	}
	return allocate(counts, budget), fallback
}

// Budget is the number of spans to keep per interval.
func (a AdaptiveThroughput) Budget(intervalSeconds float64) float64 {
	return a.GoalPerSecond * intervalSeconds
}
