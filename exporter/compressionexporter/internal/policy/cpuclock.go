package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

import (
	"runtime"
	"time"
)

var epoch = time.Now()

// monotonic is elapsed wall time, the fallback where thread CPU time is not available.
func monotonic() time.Duration { return time.Since(epoch) }

// MeasureCPU runs f with the goroutine locked to its thread and returns the
// CPU time the thread spent in it (elapsed time where thread CPU time is not
// available).
func MeasureCPU(f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPUTime()
	f()
	return threadCPUTime() - start
}
