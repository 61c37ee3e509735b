// Package metadata contains the type, stability and telemetry of the
// extension/keyring component (hand-written in mdatagen's shape).
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
