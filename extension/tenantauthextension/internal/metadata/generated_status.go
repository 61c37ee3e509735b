// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

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
