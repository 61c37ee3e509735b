// Package codec holds the content codings the compression exporter can put on
// the wire. Each codec is a small type in its own file with the same methods;
// encoders are reused across requests (pools or concurrency-safe encoders).
package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
