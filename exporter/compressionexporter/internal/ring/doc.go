// Package ring chooses endpoints for routing keys by rendezvous (highest
// random weight) hashing: every key ranks every endpoint by a hash of the
// pair, so the choice depends only on the key and the set of endpoints,
// never on their order, and adding or removing one endpoint moves only the
// keys that endpoint wins or held.
package ring // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/ring"
