// Package metadata contains the type, stability and telemetry of the
// processor/adaptive_sampling component (hand-written in mdatagen's shape).
package metadata // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("adaptive_sampling")
	ScopeName = "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"
)

const (
	TracesStability = component.StabilityLevelAlpha
	LogsStability   = component.StabilityLevelAlpha
)
