package compressionexporter

import (
	"fmt"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

type exporterQueueConfig = exporterhelper.QueueBatchConfig

func fmtCandidates(c []policy.Candidate) string { return fmt.Sprint(c) }
