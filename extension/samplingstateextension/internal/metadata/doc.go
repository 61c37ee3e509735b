// Maintained by hand in the shape mdatagen generates from ../../metadata.yaml
// (mdatagen cannot be built from the module proxy otelgate uses); keep the
// two in sync.

// Package metadata holds the type and stability of the
// extension/sampling_state component.
package metadata // import "github.com/otelgate/otelgate/extension/samplingstateextension/internal/metadata"
