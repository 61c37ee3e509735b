// Maintained by hand in the shape mdatagen generates from ../../metadata.yaml
// (mdatagen cannot be built from the module proxy otelgate uses); keep the
// two in sync.

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
