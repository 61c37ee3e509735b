package compressionexporter

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/ring"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
)

// countingTransport accepts every request and counts its bytes; sends may
// run concurrently.
type countingTransport struct{ bytes atomic.Int64 }

func (*countingTransport) start(context.Context, component.Host) error { return nil }
func (*countingTransport) shutdown(context.Context) error              { return nil }
func (*countingTransport) carries(string) bool                         { return true }
func (*countingTransport) format(c string) string                      { return c }
func (t *countingTransport) send(_ context.Context, _ string, body []byte, _ string) ([]byte, error) {
	t.bytes.Add(int64(len(body)))
	return nil, nil
}

// balancerRequests returns distinct trace requests (different trace IDs) of
// the given size, about 40,000 spans in all, so the routing does not replay
// one request's keys.
func balancerRequests(spans int) []ptrace.Traces {
	n := max(40_000/spans, 4)
	out := make([]ptrace.Traces, n)
	for i := range out {
		out[i] = workload.Traces(uint64(77+i), spans)
	}
	return out
}

func endpointNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("10.0.%d.%d:4317", i/250, i%250)
	}
	return out
}

// balancerRun is one case of BenchmarkBalancerCPUPerSpan: endpoints 0 is
// the exporter with one configured endpoint (no balancer).
type balancerRun struct {
	endpoints  int
	goroutines int
	noCache    bool
}

// run pushes the requests round robin from r.goroutines goroutines and
// returns the process CPU time per span.
func (r balancerRun) run(b *testing.B, reqs []ptrace.Traces) float64 {
	b.Helper()
	cfg := staticConfig(grpcConfig("bench:4317"), "zstd", 1)
	if r.endpoints > 0 {
		cfg.GRPC.Endpoint = ""
		cfg.Endpoints.Static = endpointNames(r.endpoints)
	}
	require.NoError(b, cfg.Validate())
	e, err := newExporter(cfg, exportertest.NewNopSettings(metadata.Type), policy.Traces)
	require.NoError(b, err)
	var mu sync.Mutex
	var transports []*countingTransport
	push := e.pushTraces
	if e.lb != nil {
		e.lb.transportFor = func(string) transport {
			t := &countingTransport{}
			mu.Lock()
			transports = append(transports, t)
			mu.Unlock()
			return t
		}
		push = e.lb.pushTraces
	} else {
		t := &countingTransport{}
		transports = append(transports, t)
		e.tr = t
	}
	require.NoError(b, e.start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(b, e.shutdown(context.Background())) }()
	if r.noCache {
		e.lb.view.Load().cache = nil
	} else if e.lb != nil {
		require.Equal(b, r.endpoints >= ring.CacheMinEndpoints, e.lb.view.Load().cache != nil)
	}
	ctx := context.Background()
	for _, td := range reqs { // warm the encoders
		require.NoError(b, push(ctx, td))
	}
	for _, t := range transports {
		t.bytes.Store(0)
	}
	spans := reqs[0].SpanCount()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range r.goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				if err := push(ctx, reqs[i%int64(len(reqs))]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	cpu := processCPU() - cpu0
	b.StopTimer()
	var wire int64
	for _, t := range transports {
		wire += t.bytes.Load()
	}
	perSpan := float64(cpu.Nanoseconds()) / float64(b.N*spans)
	b.ReportMetric(perSpan, "cpu_ns/span")
	b.ReportMetric(float64(wire)/float64(b.N*spans), "wire_B/span")
	return perSpan
}

// BenchmarkBalancerCPUPerSpan compares the CPU per span of exporting trace
// requests (zstd:1) to one configured endpoint with routing them by trace
// ID to 1, 3, 10 and 100 resolved endpoints, for 1,000- and 10,000-span
// requests pushed by 1 and 4 goroutines (the queue's consumers). Transports
// discard the bytes, so the numbers are the exporter's own work: marshal,
// route, split, compress. Sends run concurrently, so the metric is process
// CPU time (getrusage), not wall time; x_single is the case's CPU per span
// over single_endpoint's in the same run. The requests are distinct (about
// 40,000 spans in all) and replayed round robin, so the first-endpoint
// cache of a 100-endpoint ring holds keys of earlier replays; pick_cache=off
// is the same case ranking every key.
func BenchmarkBalancerCPUPerSpan(b *testing.B) {
	for _, spans := range []int{1000, 10_000} {
		reqs := balancerRequests(spans)
		for _, g := range []int{1, 4} {
			b.Run(fmt.Sprintf("spans=%d/goroutines=%d", spans, g), func(b *testing.B) {
				var single float64
				b.Run("single_endpoint", func(b *testing.B) {
					single = balancerRun{goroutines: g}.run(b, reqs)
				})
				cases := []balancerRun{{endpoints: 1}, {endpoints: 3}, {endpoints: 10}, {endpoints: 100}, {endpoints: 100, noCache: true}}
				for _, c := range cases {
					c.goroutines = g
					name := fmt.Sprintf("endpoints=%d", c.endpoints)
					if c.noCache {
						name += "/pick_cache=off"
					}
					b.Run(name, func(b *testing.B) {
						if cpu := c.run(b, reqs); single > 0 {
							b.ReportMetric(cpu/single, "x_single")
						}
					})
				}
			})
		}
	}
}

// BenchmarkRoutingCodecFloor measures what splitting a request costs the
// codec alone, whatever the routing does around it: zstd:1 compressing each
// endpoint's part of a request (as the balancer splits it) against
// compressing the whole request once. Every part is a frame of its own and
// repeats the resource and scope fields of its spans, so the parts hold more
// bytes than the request (bytes_x) and pay a fixed cost per frame
// (empty_frame); x_whole is the CPU of the parts over the whole request's.
// No routing can cost less than x_whole more than one endpoint.
func BenchmarkRoutingCodecFloor(b *testing.B) {
	zstd, _ := codec.Lookup("zstd")
	b.Run("empty_frame", func(b *testing.B) {
		var buf []byte
		in := []byte{0}
		for b.Loop() {
			buf = zstd.Encode(buf, in, 1)
		}
	})
	for _, spans := range []int{1000, 10_000} {
		td := workload.Traces(77, spans)
		raw, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		require.NoError(b, err)
		measure := func(b *testing.B, inputs [][]byte) float64 {
			b.Helper()
			var buf []byte
			for _, in := range inputs {
				buf = zstd.Encode(buf, in, 1)
			}
			b.ResetTimer()
			cpu0 := processCPU()
			for b.Loop() {
				for _, in := range inputs {
					buf = zstd.Encode(buf, in, 1)
				}
			}
			perSpan := float64((processCPU() - cpu0).Nanoseconds()) / float64(b.N*spans)
			b.ReportMetric(perSpan, "cpu_ns/span")
			return perSpan
		}
		var whole float64
		b.Run(fmt.Sprintf("spans=%d/whole", spans), func(b *testing.B) { whole = measure(b, [][]byte{raw}) })
		for _, n := range []int{3, 10, 100} {
			r := ring.New(endpointNames(n))
			pick := func(k uint64) int { c, _ := r.Pick(k, nil); return c }
			dests, _ := traceDests(td, pick)
			split, _, ok := wireSplit(raw, dests, n, pick, nil)
			require.True(b, ok)
			var parts [][]byte
			size := 0
			for _, p := range split {
				if p != nil {
					parts = append(parts, p)
					size += len(p)
				}
			}
			b.Run(fmt.Sprintf("spans=%d/endpoints=%d", spans, n), func(b *testing.B) {
				cpu := measure(b, parts)
				b.ReportMetric(float64(size)/float64(len(raw)), "bytes_x")
				b.ReportMetric(float64(len(parts)), "parts")
				if whole > 0 {
					b.ReportMetric(cpu/whole, "x_whole")
				}
			})
		}
	}
}
