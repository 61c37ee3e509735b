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

// CPUMeter measures the CPU time of several calls on one goroutine, which
// stays locked to its thread from the first Measure until Release.
type CPUMeter struct{ locked bool }

// Measure runs f and returns the CPU time the thread spent in it.
func (m *CPUMeter) Measure(f func()) time.Duration {
	if !m.locked {
		runtime.LockOSThread()
		m.locked = true
	}
	start := threadCPUTime()
	f()
	return threadCPUTime() - start
}

// Release unlocks the goroutine from its thread; Measure may lock it again.
func (m *CPUMeter) Release() {
	if m.locked {
		runtime.UnlockOSThread()
		m.locked = false
	}
}
