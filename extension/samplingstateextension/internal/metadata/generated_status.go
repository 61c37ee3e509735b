// Package metadata contains the type and stability of the extension/sampling_state
// component (hand-written in mdatagen's shape).
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
