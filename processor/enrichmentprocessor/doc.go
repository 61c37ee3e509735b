// Package enrichmentprocessor adds context to telemetry at the gateway:
// static attributes, facts about where the gateway runs, columns of lookup
// tables keyed by attributes, and allow-listed request headers. Nothing on
// the data path calls an external service.
package enrichmentprocessor
