// Maintained by hand in the shape mdatagen generates from ../../metadata.yaml
// (mdatagen cannot be built from the module proxy otelgate uses); keep the
// two in sync.

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
