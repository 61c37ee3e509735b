// Package redistest starts a real redis-server for tests: on a free loopback
// port, from a temporary directory, without persistence, stopped at cleanup.
package redistest // import "github.com/otelgate/otelgate/internal/redistest"
