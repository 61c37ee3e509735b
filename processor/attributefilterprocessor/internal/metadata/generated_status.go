// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("attribute_filter")
	ScopeName = "github.com/otelgate/otelgate/processor/attributefilterprocessor"
)

const (
	TracesStability  = component.StabilityLevelAlpha
	MetricsStability = component.StabilityLevelAlpha
	LogsStability    = component.StabilityLevelAlpha
)
