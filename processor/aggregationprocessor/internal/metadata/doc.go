// Written by hand in the shape mdatagen generates; keep in sync with metadata.yaml.

// Package metadata holds the type, stability and own telemetry of the
// processor/aggregation component.
package metadata
