package sampler // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"

import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/threshold"

// Rate is a keep probability with its precomputed threshold encodings.
type Rate struct {
	Probability float64
	Threshold   threshold.Threshold
	// Hex is the th encoding ("" for probability zero).
	Hex string
	// TraceState is "ot=th:<Hex>", the whole tracestate of a kept span whose
	// incoming tracestate was empty.
	TraceState string
}

// NewRate returns the rate of probability p, rounded to precision hex digits.
func NewRate(p float64, precision int) (*Rate, error) {
	th, err := threshold.FromProbability(p, precision)
	if err != nil {
		return nil, err
	}
	r := &Rate{Probability: th.Probability(), Threshold: th, Hex: th.String()}
	if r.Hex != "" {
		r.TraceState = "ot=th:" + r.Hex
	}
	return r, nil
}

// RateOf returns the rate whose threshold is th (th < threshold.Max).
func RateOf(th threshold.Threshold) *Rate {
	r := &Rate{Probability: th.Probability(), Threshold: th, Hex: th.String()}
	if r.Hex != "" {
		r.TraceState = "ot=th:" + r.Hex
	}
	return r
}

// Allocator computes per-key keep probabilities from smoothed per-key counts
// (spans per adjustment interval). fallback is the probability for keys that
// have no count yet.
type Allocator interface {
	Allocate(counts map[string]float64, intervalSeconds float64) (probs map[string]float64, fallback float64)
	// Initial is the probability of every key before the first adjustment.
	Initial() float64
}
