// Package metadata contains the type, stability and telemetry of the
// extension/tenant_auth component (hand-written in mdatagen's shape).
package metadata // import "github.com/otelgate/otelgate/extension/tenantauthextension/internal/metadata"

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("tenant_auth")
	ScopeName = "github.com/otelgate/otelgate/extension/tenantauthextension"
)

const (
	ExtensionStability = component.StabilityLevelAlpha
)
