package resolver // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/resolver"

import (
	"slices"
)

// Resolver discovers endpoints.
type Resolver interface {
	// Start reports the first set (when it is known) and keeps reporting
	// changes until Shutdown.
	Start(update func([]string)) error
	// Shutdown stops discovery and waits for its goroutine.
	Shutdown()
}

// normalize sorts and deduplicates a set, so equal sets compare equal.
func normalize(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

// Static is a fixed list.
type Static struct{ Endpoints []string }

// Start reports the list once.
func (s Static) Start(update func([]string)) error {
	update(normalize(s.Endpoints))
	return nil
}

// Shutdown does nothing.
func (Static) Shutdown() {}
