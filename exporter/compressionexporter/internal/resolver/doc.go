// Package resolver discovers the endpoints a load-balancing exporter sends
// to: a static list, a watched file, or DNS. A resolver reports every new
// set of endpoints (sorted, deduplicated) through a callback from its own
// goroutine, so discovery never waits on exports and exports never wait on
// discovery.
package resolver // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/resolver"
