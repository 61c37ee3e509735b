package compressionexporter

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"
	"github.com/otelgate/otelgate/internal/testutil"
)

// testEnv holds started exporters for the three signals and their telemetry.
type testEnv struct {
	traces  exporter.Traces
	metrics exporter.Metrics
	logs    exporter.Logs
	tel     *componenttest.Telemetry
	logs2   *observer.ObservedLogs
}

// grpcConfig returns a config sending to a gRPC endpoint synchronously
// (no queue, no retry) so a test sees each request's outcome.
func grpcConfig(endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Protocol = protocolGRPC
	cfg.GRPC.Endpoint = endpoint
	cfg.GRPC.TLS = configtls.ClientConfig{Insecure: true}
	cfg.QueueConfig = configoptional.None[exporterQueueConfig]()
	cfg.RetryConfig.Enabled = false
	cfg.MinSize = 0
	return cfg
}

func httpConfig(endpoint string) *Config {
	cfg := grpcConfig("")
	cfg.Protocol = protocolHTTP
	cfg.HTTP.Endpoint = endpoint
	return cfg
}

func staticConfig(cfg *Config, codecName string, level int) *Config {
	cfg.Policy = policyStatic
	cfg.Static = CodecConfig{Codec: codecName, Level: level}
	if len(cfg.Allowed) == 0 {
		cfg.Allowed = cfg.carried()
	}
	return cfg
}

func startExporters(t *testing.T, cfg *Config) *testEnv {
	t.Helper()
	require.NoError(t, cfg.Validate())
	env := &testEnv{tel: componenttest.NewTelemetry()}
	core, logs := observer.New(zap.InfoLevel)
	env.logs2 = logs
	set := exportertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = env.tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	f := NewFactory()
	ctx := context.Background()
	var err error
	env.traces, err = f.CreateTraces(ctx, set, cfg)
	require.NoError(t, err)
	env.metrics, err = f.CreateMetrics(ctx, set, cfg)
	require.NoError(t, err)
	env.logs, err = f.CreateLogs(ctx, set, cfg)
	require.NoError(t, err)
	host := componenttest.NewNopHost()
	require.NoError(t, env.traces.Start(ctx, host))
	require.NoError(t, env.metrics.Start(ctx, host))
	require.NoError(t, env.logs.Start(ctx, host))
	t.Cleanup(func() {
		require.NoError(t, env.traces.Shutdown(context.Background()))
		require.NoError(t, env.metrics.Shutdown(context.Background()))
		require.NoError(t, env.logs.Shutdown(context.Background()))
		_ = env.tel.Shutdown(context.Background())
	})
	return env
}

// sum returns the sum of a metric's data points whose attributes include
// attrs ("level" is the codec level, an int attribute).
func (env *testEnv) sum(t *testing.T, name string, attrs map[string]string) float64 {
	t.Helper()
	var kvs []attribute.KeyValue
	for k, v := range attrs {
		if n, err := strconv.Atoi(v); k == "level" && err == nil {
			kvs = append(kvs, attribute.Int(k, n))
			continue
		}
		kvs = append(kvs, attribute.String(k, v))
	}
	return testutil.Sum(t, env.tel.Reader, name, kvs...)
}
