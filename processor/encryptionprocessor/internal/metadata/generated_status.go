// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

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
