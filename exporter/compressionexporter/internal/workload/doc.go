// Package workload builds realistic OTLP requests deterministically: a few
// services with semantic-convention resource attributes, HTTP/DB/RPC spans with
// random IDs, counters/gauges/histograms with bounded label sets, and log lines
// from templates with changing values. Tests and benchmarks replay them.
package workload // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
