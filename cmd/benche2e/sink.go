package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// sink is the collector's OTLP receiver (gRPC) in this process, on
// sinkEndpoints addresses (each a backend endpoint of its own for routing
// rows), counting the items and protobuf bytes it receives on all of them
// and keeping nothing else.
type sink struct {
	endpoints []string
	items     atomic.Int64 // spans + data points + log records
	bytes     atomic.Int64 // protobuf size of what was received

	receivers []component.Component
}

// sinkEndpoints is how many addresses the sink listens on; the gateway gets
// them as OTELGATE_BACKEND_ENDPOINT, OTELGATE_BACKEND_ENDPOINT_2, ...
const sinkEndpoints = 3

type counts struct{ items, bytes int64 }

func (s *sink) counts() counts { return counts{s.items.Load(), s.bytes.Load()} }

// env is the gateway's environment naming the sink's addresses.
func (s *sink) env() map[string]string {
	env := map[string]string{}
	for i, e := range s.endpoints {
		k := gatewayproc.EnvBackendEndpoint
		if i > 0 {
			k = fmt.Sprintf("%s_%d", k, i+1)
		}
		env[k] = e
	}
	return env
}

func startSink() (*sink, error) {
	s := &sink{}
	var (
		tracesSizer  ptrace.ProtoMarshaler
		metricsSizer pmetric.ProtoMarshaler
		logsSizer    plog.ProtoMarshaler
	)
	tc, _ := consumer.NewTraces(func(_ context.Context, td ptrace.Traces) error {
		s.items.Add(int64(td.SpanCount()))
		s.bytes.Add(int64(tracesSizer.TracesSize(td)))
		return nil
	})
	mc, _ := consumer.NewMetrics(func(_ context.Context, md pmetric.Metrics) error {
		s.items.Add(int64(md.DataPointCount()))
		s.bytes.Add(int64(metricsSizer.MetricsSize(md)))
		return nil
	})
	lc, _ := consumer.NewLogs(func(_ context.Context, ld plog.Logs) error {
		s.items.Add(int64(ld.LogRecordCount()))
		s.bytes.Add(int64(logsSizer.LogsSize(ld)))
		return nil
	})
	for range sinkEndpoints {
		if err := s.listen(tc, mc, lc); err != nil {
			return nil, errors.Join(err, s.close())
		}
	}
	return s, nil
}

// listen starts one more OTLP/gRPC receiver for every signal on a free
// loopback address.
func (s *sink) listen(tc consumer.Traces, mc consumer.Metrics, lc consumer.Logs) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	_ = l.Close()

	f := otlpreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*otlpreceiver.Config)
	g := cfg.Protocols.GRPC.GetOrInsertDefault()
	g.NetAddr.Endpoint = addr
	g.MaxRecvMsgSizeMiB = 64
	cfg.Protocols.GRPC = configoptional.Some(*g)
	cfg.Protocols.HTTP = configoptional.None[otlpreceiver.HTTPConfig]()

	set := receivertest.NewNopSettings(f.Type())
	ctx := context.Background()
	tr, err := f.CreateTraces(ctx, set, cfg, tc)
	if err != nil {
		return err
	}
	mr, err := f.CreateMetrics(ctx, set, cfg, mc)
	if err != nil {
		return err
	}
	lr, err := f.CreateLogs(ctx, set, cfg, lc)
	if err != nil {
		return err
	}
	for _, r := range []component.Component{tr, mr, lr} {
		if err := r.Start(ctx, componenttest.NewNopHost()); err != nil {
			return err
		}
		s.receivers = append(s.receivers, r)
	}
	s.endpoints = append(s.endpoints, addr)
	return nil
}

func (s *sink) close() error {
	var errs []error
	for _, r := range s.receivers {
		errs = append(errs, r.Shutdown(context.Background()))
	}
	return errors.Join(errs...)
}
