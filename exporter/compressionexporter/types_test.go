package compressionexporter

import (
	"fmt"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/otel/attribute"
)

type exporterQueueConfig = exporterhelper.QueueBatchConfig

func attrKey(k string) attribute.Key { return attribute.Key(k) }

func fmtCandidates(c []policy.Candidate) string { return fmt.Sprint(c) }
