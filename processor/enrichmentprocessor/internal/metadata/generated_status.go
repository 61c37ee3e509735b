// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("enrichment")
	ScopeName = "github.com/otelgate/otelgate/processor/enrichmentprocessor"
)

const (
	TracesStability  = component.StabilityLevelAlpha
	MetricsStability = component.StabilityLevelAlpha
	LogsStability    = component.StabilityLevelAlpha
)
