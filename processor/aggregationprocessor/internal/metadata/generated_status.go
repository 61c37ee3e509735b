// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

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
