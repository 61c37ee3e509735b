// Package metadata contains the type, stability and own telemetry of the
// processor/aggregation component (hand-written in mdatagen's shape).
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("aggregation")
	ScopeName = "github.com/otelgate/otelgate/processor/aggregationprocessor"
)

const (
	MetricsStability = component.StabilityLevelAlpha
)
