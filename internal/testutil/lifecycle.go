package testutil

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
)

// Lifecycle is what a lifecycle check runs the component with.
type Lifecycle struct {
	// Config is the component's config; nil: the factory's default config.
	Config component.Config
	// Host is what Start gets; nil: componenttest.NewNopHost().
	Host component.Host
}

func (l Lifecycle) config(f component.Factory) component.Config {
	if l.Config != nil {
		return l.Config
	}
	return f.CreateDefaultConfig()
}

func (l Lifecycle) host() component.Host {
	if l.Host != nil {
		return l.Host
	}
	return componenttest.NewNopHost()
}

// signal is one signal a processor or an exporter may support.
type signal struct {
	name      string
	stability func() component.StabilityLevel
	consume   func(ctx context.Context, c component.Component) error
}

// One span, one data point, one log record: what each signal consumes.
func oneSpan() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "lifecycle")
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetName("op")
	s.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	s.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	return td
}

func onePoint() pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "lifecycle")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("requests")
	sum := m.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	sum.DataPoints().AppendEmpty().SetIntValue(1)
	return md
}

func oneRecord() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "lifecycle")
	rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("one record")
	return ld
}

func signals[F interface {
	TracesStability() component.StabilityLevel
	MetricsStability() component.StabilityLevel
	LogsStability() component.StabilityLevel
}](f F) []signal {
	return []signal{
		{"traces", f.TracesStability, func(ctx context.Context, c component.Component) error {
			return c.(consumer.Traces).ConsumeTraces(ctx, oneSpan())
		}},
		{"metrics", f.MetricsStability, func(ctx context.Context, c component.Component) error {
			return c.(consumer.Metrics).ConsumeMetrics(ctx, onePoint())
		}},
		{"logs", f.LogsStability, func(ctx context.Context, c component.Component) error {
			return c.(consumer.Logs).ConsumeLogs(ctx, oneRecord())
		}},
	}
}

// CheckProcessor checks the factory's config struct, then, for every signal
// the factory supports: creates the processor, starts it, consumes one item,
// shuts it down; and creates one that is shut down without being started.
func CheckProcessor(t *testing.T, f processor.Factory, l Lifecycle) {
	t.Helper()
	require.NoError(t, componenttest.CheckConfigStruct(f.CreateDefaultConfig()))
	create := func(s signal) (component.Component, error) {
		set := processortest.NewNopSettings(f.Type())
		ctx, cfg := context.Background(), l.config(f)
		switch s.name {
		case "traces":
			return f.CreateTraces(ctx, set, cfg, consumertest.NewNop())
		case "metrics":
			return f.CreateMetrics(ctx, set, cfg, consumertest.NewNop())
		default:
			return f.CreateLogs(ctx, set, cfg, consumertest.NewNop())
		}
	}
	checkSignals(t, signals(f), create, l.host())
}

// CheckExporter is CheckProcessor for an exporter: l.Config must point it at
// a backend that accepts the items.
func CheckExporter(t *testing.T, f exporter.Factory, l Lifecycle) {
	t.Helper()
	require.NoError(t, componenttest.CheckConfigStruct(f.CreateDefaultConfig()))
	create := func(s signal) (component.Component, error) {
		set := exportertest.NewNopSettings(f.Type())
		ctx, cfg := context.Background(), l.config(f)
		switch s.name {
		case "traces":
			return f.CreateTraces(ctx, set, cfg)
		case "metrics":
			return f.CreateMetrics(ctx, set, cfg)
		default:
			return f.CreateLogs(ctx, set, cfg)
		}
	}
	checkSignals(t, signals(f), create, l.host())
}

func checkSignals(t *testing.T, sigs []signal, create func(signal) (component.Component, error), host component.Host) {
	t.Helper()
	n := 0
	for _, s := range sigs {
		if s.stability() == component.StabilityLevelUndefined {
			continue
		}
		n++
		t.Run(s.name, func(t *testing.T) {
			c, err := create(s)
			require.NoError(t, err)
			require.NoError(t, c.Start(context.Background(), host))
			require.NoError(t, s.consume(context.Background(), c))
			require.NoError(t, c.Shutdown(context.Background()))

			c, err = create(s)
			require.NoError(t, err)
			require.NoError(t, c.Shutdown(context.Background()), "shutdown without start")
		})
	}
	require.NotZero(t, n, "the factory supports no signal")
}

// CheckExtension checks the factory's config struct, then creates the
// extension, starts and shuts it down, and creates one that is shut down
// without being started.
func CheckExtension(t *testing.T, f extension.Factory, l Lifecycle) {
	t.Helper()
	require.NoError(t, componenttest.CheckConfigStruct(f.CreateDefaultConfig()))
	set := extensiontest.NewNopSettings(f.Type())
	ctx := context.Background()
	e, err := f.Create(ctx, set, l.config(f))
	require.NoError(t, err)
	require.NoError(t, e.Start(ctx, l.host()))
	require.NoError(t, e.Shutdown(ctx))

	e, err = f.Create(ctx, set, l.config(f))
	require.NoError(t, err)
	require.NoError(t, e.Shutdown(ctx), "shutdown without start")
}
