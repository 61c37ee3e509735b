// Package breaker is a per-endpoint circuit breaker: closed while the
// endpoint answers; open after a run of consecutive failures that are the
// endpoint's fault; half-open after a cool-down, letting a few probe
// requests through; closed again after a successful probe.
package breaker // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/breaker"
