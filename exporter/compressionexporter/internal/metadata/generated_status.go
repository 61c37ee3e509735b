// Package metadata contains the type, stability and own telemetry of the
// exporter/compression component (hand-written in mdatagen's shape from
// ../../metadata.yaml; keep the two in sync).
package metadata // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("compression")
	ScopeName = "github.com/otelgate/otelgate/exporter/compressionexporter"
)

const (
	TracesStability  = component.StabilityLevelAlpha
	MetricsStability = component.StabilityLevelAlpha
	LogsStability    = component.StabilityLevelAlpha
)
