package compressionexporter

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
)

// BenchmarkBalancerCPUPerSpan compares the CPU per span of exporting trace
// requests (1000 spans, zstd:1) to one configured endpoint with routing them
// by trace ID to 1, 3, 10 and 100 resolved endpoints. Transports discard
// the bytes, so the numbers are the exporter's own work: marshal, route,
// split, compress. The split sends parts concurrently, so the metric is
// process CPU time (getrusage), not wall time.
func BenchmarkBalancerCPUPerSpan(b *testing.B) {
	td := workload.Traces(77, 1000)
	spans := td.SpanCount()
	run := func(b *testing.B, endpoints int) {
		b.Helper()
		cfg := staticConfig(grpcConfig("bench:4317"), "zstd", 1)
		if endpoints > 0 {
			cfg.GRPC.Endpoint = ""
			for i := range endpoints {
				cfg.Endpoints.Static = append(cfg.Endpoints.Static, fmt.Sprintf("10.0.%d.%d:4317", i/250, i%250))
			}
		}
		require.NoError(b, cfg.Validate())
		set := exportertest.NewNopSettings(metadata.Type)
		e, err := newExporter(cfg, set, policy.Traces)
		require.NoError(b, err)
		push := e.pushTraces
		if e.lb != nil {
			e.lb.transportFor = func(string) transport { return &discardTransport{bytes: map[string]int{}} }
			push = e.lb.pushTraces
		} else {
			e.tr = &discardTransport{bytes: map[string]int{}}
		}
		require.NoError(b, e.start(context.Background(), componenttest.NewNopHost()))
		defer func() { require.NoError(b, e.shutdown(context.Background())) }()
		ctx := context.Background()
		require.NoError(b, push(ctx, td)) // warm encoders
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := processCPU()
		for b.Loop() {
			if err := push(ctx, td); err != nil {
				b.Fatal(err)
			}
		}
		cpu := processCPU() - cpu0
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*spans), "cpu_ns/span")
	}
	b.Run("single_endpoint", func(b *testing.B) { run(b, 0) })
	for _, n := range []int{1, 3, 10, 100} {
		b.Run(fmt.Sprintf("endpoints=%d", n), func(b *testing.B) { run(b, n) })
	}
}
