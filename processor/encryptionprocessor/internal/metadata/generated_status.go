// Package metadata contains the type, stability and telemetry of the
// processor/encryption component (hand-written in mdatagen's shape).
package metadata // import "github.com/otelgate/otelgate/processor/encryptionprocessor/internal/metadata"

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("encryption")
	ScopeName = "github.com/otelgate/otelgate/processor/encryptionprocessor"
)

const (
	TracesStability  = component.StabilityLevelAlpha
	MetricsStability = component.StabilityLevelAlpha
	LogsStability    = component.StabilityLevelAlpha
)
