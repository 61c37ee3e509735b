// Maintained by hand in the shape mdatagen generates from ../../metadata.yaml
// (mdatagen cannot be built from the module proxy otelgate uses); keep the
// two in sync.

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
