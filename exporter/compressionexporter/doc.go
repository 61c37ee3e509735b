// Package compressionexporter implements the "compression" exporter: an OTLP
// exporter (gRPC or HTTP) that chooses the compression of every request.
// With a static policy it sends with one codec and level; with the adaptive
// policy it trials the allowed codecs on samples of recent traffic in the
// background and uses the one with the lowest cost, CPU time plus the time
// the compressed bytes take on the link. Client settings, sending queue,
// retry and partial-success handling are the core OTLP exporters'.
package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"
