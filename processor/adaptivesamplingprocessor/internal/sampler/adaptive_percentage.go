package sampler // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"

// AdaptivePercentage keeps Goal (a fraction in (0, 1]) of all spans overall,
// giving rare keys a larger share than busy ones.
type AdaptivePercentage struct {
	Goal float64
}

// Initial is the goal itself.
func (a AdaptivePercentage) Initial() float64 { return a.Goal }

// Allocate shares a budget of Goal*total between the keys.
func (a AdaptivePercentage) Allocate(counts map[string]float64, _ float64) (map[string]float64, float64) {
	var total float64
	for _, c := range counts {
		total += c
	}
	return allocate(counts, a.Goal*total), a.Goal
}
