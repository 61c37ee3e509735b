package testutil

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// StartExtension creates the factory's extension from cfg with telemetry
// that records its metrics and its log entries (debug level and up), and
// starts it with a nop host. It returns Start's error; a started extension
// is shut down when the test ends.
func StartExtension(t testing.TB, f extension.Factory, cfg component.Config) (extension.Extension, *componenttest.Telemetry, *observer.ObservedLogs, error) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	core, logs := observer.New(zap.DebugLevel)
	set := extensiontest.NewNopSettings(f.Type())
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	ext, err := f.Create(context.Background(), set, cfg)
	require.NoError(t, err)
	err = ext.Start(context.Background(), componenttest.NewNopHost())
	if err == nil {
		t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	}
	return ext, tel, logs, err
}

// Processors is a processor of each signal, each passing on into its own sink.
type Processors struct {
	Traces      processor.Traces
	Metrics     processor.Metrics
	Logs        processor.Logs
	TracesSink  *consumertest.TracesSink
	MetricsSink *consumertest.MetricsSink
	LogsSink    *consumertest.LogsSink
}

// StartProcessors creates the factory's processor for the three signals
// from set and cfg, starts them with host (nil: a nop host) and shuts them
// down when the test ends.
func StartProcessors(t testing.TB, f processor.Factory, set processor.Settings, cfg component.Config, host component.Host) *Processors {
	t.Helper()
	if host == nil {
		host = componenttest.NewNopHost()
	}
	ctx := context.Background()
	p := &Processors{TracesSink: new(consumertest.TracesSink), MetricsSink: new(consumertest.MetricsSink), LogsSink: new(consumertest.LogsSink)}
	var err error
	p.Traces, err = f.CreateTraces(ctx, set, cfg, p.TracesSink)
	require.NoError(t, err)
	p.Metrics, err = f.CreateMetrics(ctx, set, cfg, p.MetricsSink)
	require.NoError(t, err)
	p.Logs, err = f.CreateLogs(ctx, set, cfg, p.LogsSink)
	require.NoError(t, err)
	for _, c := range []component.Component{p.Traces, p.Metrics, p.Logs} {
		require.NoError(t, c.Start(ctx, host))
		t.Cleanup(func() { require.NoError(t, c.Shutdown(context.Background())) })
	}
	return p
}
