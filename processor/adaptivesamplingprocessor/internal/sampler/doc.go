// Package sampler holds the rate algorithms of the adaptive_sampling processor:
// fixed-rate samplers and adaptive samplers that turn per-key span counts into
// per-key keep probabilities.
package sampler // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"
