//go:build !linux

package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

import "time"

func threadCPUTime() time.Duration { return monotonic() }
