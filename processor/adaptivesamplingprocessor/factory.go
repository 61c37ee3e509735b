package adaptivesamplingprocessor

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"

	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"
)

// NewFactory returns the factory of the adaptive_sampling processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithTraces(createTraces, metadata.TracesStability),
		processor.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Mode: ModeConsistent,
		Rules: []RuleConfig{{
			Name:                  "default",
			Type:                  SamplerAdaptivePercentage,
			GoalPercentage:        10,
			FingerprintAttributes: []string{"service.name"},
		}},
		AdjustmentInterval: 30 * time.Second,
		EMAWeight:          0.5,
		MaxKeys:            1000,
		SamplingPrecision:  4,
		RuleAttribute:      "sampling.rule",
		SharedStateTimeout: time.Second,
		LoadShedding:       configoptional.Default(defaultLoadShedding()),
		NumTraces:          50000,
		SpanLimit:          1000,
		TraceTimeout:       30 * time.Second,
		DecisionDelay:      5 * time.Second,
		DecisionCache: DecisionCacheConfig{
			SampledCacheSize:    100000,
			NonSampledCacheSize: 100000,
		},
	}
}

func createTraces(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	return newTracesProcessor(set, cfg.(*Config), next)
}

func createLogs(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	return newLogsProcessor(set, cfg.(*Config), next)
}
