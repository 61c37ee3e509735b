// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

// Package metadata holds the type and stability of the
// extension/sampling_state component.
package metadata // import "github.com/otelgate/otelgate/extension/samplingstateextension/internal/metadata"
