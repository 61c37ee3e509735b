// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

package metadata // import "github.com/otelgate/otelgate/extension/keyringextension/internal/metadata"

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("keyring")
	ScopeName = "github.com/otelgate/otelgate/extension/keyringextension"
)

const (
	ExtensionStability = component.StabilityLevelAlpha
)
