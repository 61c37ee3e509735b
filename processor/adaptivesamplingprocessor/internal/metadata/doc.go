// Maintained by hand in the shape mdatagen generates from ../../metadata.yaml
// (mdatagen cannot be built from the module proxy otelgate uses); keep the
// two in sync.

// Package metadata holds the type, stability and own telemetry of the
// processor/adaptive_sampling component.
package metadata // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"
