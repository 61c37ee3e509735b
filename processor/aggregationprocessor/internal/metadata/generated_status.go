// Maintained by hand in the shape mdatagen generates from ../../metadata.yaml
// (mdatagen cannot be built from the module proxy otelgate uses); keep the
// two in sync.

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
