//go:build linux

package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadCPUTime returns the CPU time of the calling OS thread. Callers lock
// the goroutine to its thread while they measure.
func threadCPUTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return monotonic()
	}
	return time.Duration(ts.Nano())
}
