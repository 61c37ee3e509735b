package sampler // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"

// Probabilistic keeps a fixed percentage.
type Probabilistic struct {
	Percentage float64
}

// Probability is Percentage/100.
func (p Probabilistic) Probability() float64 { return p.Percentage / 100 }
