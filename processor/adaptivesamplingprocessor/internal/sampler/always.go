package sampler // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"

// Always keeps everything (th:0).
type Always struct{}

// Probability is one.
func (Always) Probability() float64 { return 1 }
