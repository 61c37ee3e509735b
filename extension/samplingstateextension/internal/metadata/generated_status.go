// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata // import "github.com/otelgate/otelgate/extension/samplingstateextension/internal/metadata"

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("sampling_state")
	ScopeName = "github.com/otelgate/otelgate/extension/samplingstateextension"
)

const (
	ExtensionStability = component.StabilityLevelAlpha
)
