package main

import (
	"context"
	"fmt"
	"sync/atomic"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// sink is the collector's OTLP receiver (gatewayproc.ServeOTLP) in this process, on
// sinkEndpoints addresses (each a backend endpoint of its own for routing
// rows), counting the items and protobuf bytes it receives on all of them
// and keeping nothing else.
type sink struct {
	endpoints []string
	items     atomic.Int64 // spans + data points + log records
	bytes     atomic.Int64 // protobuf size of what was received

	stops []func() // stop each address's receivers
}

// sinkEndpoints is how many addresses the sink listens on; the gateway gets
// them as OTELGATE_BACKEND_ENDPOINT, OTELGATE_BACKEND_ENDPOINT_2, ...
const sinkEndpoints = 10

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
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// listen starts one more OTLP receiver for every signal on free loopback
// ports; the gateway sends to its gRPC address.
func (s *sink) listen(tc consumer.Traces, mc consumer.Metrics, lc consumer.Logs) error {
	addr, _, stop, err := gatewayproc.ServeOTLP(tc, mc, lc)
	if err != nil {
		return err
	}
	s.stops = append(s.stops, stop)
	s.endpoints = append(s.endpoints, addr)
	return nil
}

func (s *sink) close() {
	for _, stop := range s.stops {
		stop()
	}
}
