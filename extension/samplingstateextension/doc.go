// Package samplingstateextension provides the sampling_state extension: the
// contract through which adaptive_sampling processors on several replicas share
// per-interval, per-key span counts, and its in-memory backend.
package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"
