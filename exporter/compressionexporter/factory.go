package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
)

// NewFactory returns the factory of the compression exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithTraces(createTraces, metadata.TracesStability),
		exporter.WithMetrics(createMetrics, metadata.MetricsStability),
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	grpcCfg := configgrpc.NewDefaultClientConfig()
	grpcCfg.WriteBufferSize = 512 * 1024
	grpcCfg.Keepalive = configoptional.None[configgrpc.KeepaliveClientConfig]()
	return &Config{
		TimeoutConfig: exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:   configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig:   configretry.NewDefaultBackOffConfig(),
		Protocol:      protocolGRPC,
		GRPC:          grpcCfg,
		HTTP:          confighttp.NewDefaultClientConfig(),
		Policy:        policyAdaptive,
		MinSize:       1024,
		Health:        defaultHealthConfig(),
		Static:        CodecConfig{Codec: "zstd"},
		BySignal: BySignalConfig{
			Traces:  CodecConfig{Codec: "zstd"},
			Metrics: CodecConfig{Codec: "zstd"},
			Logs:    CodecConfig{Codec: "zstd"},
		},
		Adaptive: AdaptiveConfig{
			EvaluationInterval: 30 * time.Second,
			SampleShare:        0.01,
			SampleMinBytes:     64 << 10,
			SampleMaxBytes:     1 << 20,
			Initial:            CodecConfig{Codec: "zstd", Level: 1},
			CPUTimeNoise:       0.25,
			TrialCPUBudget:     0.05,
			CandidateMargin:    0.25,
			FullTrialEvery:     10,
			MaxBackoff:         8,
		},
		Endpoints: defaultEndpointsConfig(),
	}
}

func options(c *Config, e *compressionExporter) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithRetry(c.RetryConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
	}
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	c := cfg.(*Config)
	e, err := newExporter(c, set, policy.Traces)
	if err != nil {
		return nil, err
	}
	push := e.pushTraces
	if e.lb != nil {
		push = e.lb.pushTraces
	}
	h := newHealthMeter(c, set, policy.Traces).withBreakers(e)
	return h.traces(exporterhelper.NewTraces(ctx, set, cfg, measured(h, push, h.tracesSize), options(c, e)...))
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	c := cfg.(*Config)
	e, err := newExporter(c, set, policy.Metrics)
	if err != nil {
		return nil, err
	}
	push := e.pushMetrics
	if e.lb != nil {
		push = e.lb.pushMetrics
	}
	h := newHealthMeter(c, set, policy.Metrics).withBreakers(e)
	return h.metrics(exporterhelper.NewMetrics(ctx, set, cfg, measured(h, push, h.metricsSize), options(c, e)...))
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	e, err := newExporter(c, set, policy.Logs)
	if err != nil {
		return nil, err
	}
	push := e.pushLogs
	if e.lb != nil {
		push = e.lb.pushLogs
	}
	h := newHealthMeter(c, set, policy.Logs).withBreakers(e)
	return h.logs(exporterhelper.NewLogs(ctx, set, cfg, measured(h, push, h.logsSize), options(c, e)...))
}
