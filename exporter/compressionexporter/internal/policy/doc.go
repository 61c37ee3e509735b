// Package policy decides which codec and level compress each request.
// Each policy is a small type with one method, Choose; min_size wraps any
// other policy; adaptive re-decides periodically from trial compressions.
package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
