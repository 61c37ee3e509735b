package compressionexporter

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
	"github.com/otelgate/otelgate/internal/loadgen"
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

// balancerSide is one exporter of a BenchmarkBalancerCPUPerSpan case:
// endpoints 0 is the exporter with one configured endpoint (no balancer).
type balancerSide struct {
	push       func(context.Context, ptrace.Traces) error
	transports []*countingTransport
	cpu        time.Duration
	pushed     int
}

func newBalancerSide(b *testing.B, endpoints int, noCache bool, reqs []ptrace.Traces) *balancerSide {
	b.Helper()
	cfg := staticConfig(grpcConfig("bench:4317"), "zstd", 1)
	if endpoints > 0 {
		cfg.GRPC.Endpoint = ""
		cfg.Endpoints.Static = endpointNames(endpoints)
	}
	require.NoError(b, cfg.Validate())
	e, err := newExporter(cfg, exportertest.NewNopSettings(metadata.Type), policy.Traces)
	require.NoError(b, err)
	side := &balancerSide{push: e.pushTraces}
	var mu sync.Mutex
	if e.lb != nil {
		e.lb.transportFor = func(string) transport {
			t := &countingTransport{}
			mu.Lock()
			side.transports = append(side.transports, t)
			mu.Unlock()
			return t
		}
		side.push = e.lb.pushTraces
	} else {
		t := &countingTransport{}
		side.transports = append(side.transports, t)
		e.tr = t
	}
	require.NoError(b, e.start(context.Background(), componenttest.NewNopHost()))
	b.Cleanup(func() { require.NoError(b, e.shutdown(context.Background())) })
	if noCache {
		e.lb.view.Load().cache = nil
	} else if e.lb != nil {
		require.Equal(b, endpoints >= ring.CacheMinEndpoints, e.lb.view.Load().cache != nil)
	}
	for _, td := range reqs { // warm the encoders
		require.NoError(b, side.push(context.Background(), td))
	}
	for _, t := range side.transports {
		t.bytes.Store(0)
	}
	return side
}

// block pushes n requests (round robin from reqs, continuing where the
// last block stopped) from the given number of goroutines, adds the
// process CPU time they took and returns it.
func (s *balancerSide) block(b *testing.B, reqs []ptrace.Traces, n, goroutines int) time.Duration {
	b.Helper()
	var next atomic.Int64
	first := s.pushed
	var wg sync.WaitGroup
	cpu0 := processCPU()
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := s.push(context.Background(), reqs[(first+i)%len(reqs)]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	took := processCPU() - cpu0
	s.cpu += took
	s.pushed += n
	return took
}

func (s *balancerSide) wire() int64 {
	var n int64
	for _, t := range s.transports {
		n += t.bytes.Load()
	}
	return n
}

// BenchmarkBalancerCPUPerSpan compares the CPU per span of exporting trace
// requests (zstd:1) to one configured endpoint with routing them by trace
// ID to 1, 3, 10 and 100 resolved endpoints, for 1,000- and 10,000-span
// requests pushed by 1 and 4 goroutines (the queue's consumers). Transports
// discard the bytes, so the numbers are the exporter's own work: marshal,
// route, split, compress. Sends run concurrently, so the metric is process
// CPU time (getrusage), not wall time.
//
// Each case holds both exporters and alternates blocks of 4 requests
// between them (the order swapped every block), so both see the same
// machine: on a shared machine CPU per span drifts by tens of percent
// within seconds, far more than the difference measured. x_single is the
// median over block pairs of the routed exporter's CPU over the single
// endpoint's in the pair; a garbage collection or a preemption lands in
// one block of a pair, so the median leaves it out where the ratio of the
// totals (x_single_total) takes it in. cpu_ns/span is the routed one's,
// single_ns/span the other's. The requests are distinct (about 40,000
// spans in all) and replayed round robin, so the first-endpoint cache of a
// 100-endpoint ring holds keys of earlier replays; pick_cache=off is the
// same case ranking every key.
func BenchmarkBalancerCPUPerSpan(b *testing.B) {
	const blockSize = 4
	for _, spans := range []int{1000, 10_000} {
		reqs := balancerRequests(spans)
		for _, g := range []int{1, 4} {
			cases := []struct {
				endpoints int
				noCache   bool
			}{{1, false}, {3, false}, {10, false}, {100, false}, {100, true}}
			for _, c := range cases {
				name := fmt.Sprintf("spans=%d/goroutines=%d/endpoints=%d", spans, g, c.endpoints)
				if c.noCache {
					name += "/pick_cache=off"
				}
				b.Run(name, func(b *testing.B) {
					single := newBalancerSide(b, 0, false, reqs)
					routed := newBalancerSide(b, c.endpoints, c.noCache, reqs)
					b.ReportAllocs()
					b.ResetTimer()
					var pairs []float64
					for done, i := 0, 0; done < b.N; i++ {
						n := min(blockSize, b.N-done)
						var s, r time.Duration
						if i%2 == 0 {
							s = single.block(b, reqs, n, g)
							r = routed.block(b, reqs, n, g)
						} else {
							r = routed.block(b, reqs, n, g)
							s = single.block(b, reqs, n, g)
						}
						if s > 0 {
							pairs = append(pairs, float64(r)/float64(s))
						}
						done += n
					}
					b.StopTimer()
					perSpan := func(s *balancerSide) float64 {
						return float64(s.cpu.Nanoseconds()) / float64(s.pushed*spans)
					}
					b.ReportMetric(perSpan(routed), "cpu_ns/span")
					b.ReportMetric(perSpan(single), "single_ns/span")
					b.ReportMetric(median(pairs), "x_single")
					b.ReportMetric(float64(routed.cpu)/float64(single.cpu), "x_single_total")
					b.ReportMetric(float64(routed.wire())/float64(routed.pushed*spans), "wire_B/span")
					b.ReportMetric(float64(single.wire())/float64(single.pushed*spans), "single_wire_B/span")
				})
			}
		}
	}
}

// BenchmarkRoutingCodecFloor measures what splitting a request costs the
// codec alone, whatever the routing does around it: zstd:1 compressing each
// endpoint's part of a request (as the balancer splits it) against
// compressing the whole request once, alternating the two every iteration
// so both see the same machine. Every part is a frame of its own and
// repeats the resource and scope fields of its spans, so the parts hold
// more bytes than the request (bytes_x) and pay a fixed cost per frame
// (empty_frame: the CPU of one frame of one byte). A part also has only
// its own bytes as history: zstd's fast match finder skips ahead on long
// matches, and with less history behind it finds fewer of them and probes
// more positions, so a part costs more per byte than the whole request even
// where it compresses about as well. x_whole is the CPU of the parts over
// the whole request's. No routing can cost less than x_whole times the
// compression CPU of one endpoint.
//
// The wide cases are the gateway benchmark's wide workload as the batch
// processor hands it to the exporter at 6,000 spans/s (1,200 spans with 24
// high-cardinality attributes each from loadgen, about 3.4 MB).
func BenchmarkRoutingCodecFloor(b *testing.B) {
	zstd, _ := codec.Lookup("zstd")
	b.Run("empty_frame", func(b *testing.B) {
		buf := zstd.Encode(nil, []byte{0}, 1)
		cpu0 := processCPU()
		for b.Loop() {
			buf = zstd.Encode(buf, []byte{0}, 1)
		}
		b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu_ns/frame")
	})
	inputs := []struct {
		name string
		td   ptrace.Traces
	}{
		{"spans=1000", workload.Traces(77, 1000)},
		{"spans=10000", workload.Traces(77, 10_000)},
		{"wide/spans=1200", wideTraces(1200)},
	}
	for _, in := range inputs {
		td := in.td
		spans := td.SpanCount()
		raw, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		require.NoError(b, err)
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
			b.Run(fmt.Sprintf("%s/endpoints=%d", in.name, n), func(b *testing.B) {
				var buf []byte
				compress := func(inputs [][]byte) time.Duration {
					cpu0 := processCPU()
					for _, in := range inputs {
						buf = zstd.Encode(buf, in, 1)
					}
					return processCPU() - cpu0
				}
				compress(parts)
				var whole, split time.Duration
				for b.Loop() {
					whole += compress([][]byte{raw})
					split += compress(parts)
				}
				b.ReportMetric(float64(split.Nanoseconds())/float64(b.N*spans), "cpu_ns/span")
				b.ReportMetric(float64(whole.Nanoseconds())/float64(b.N*spans), "whole_ns/span")
				b.ReportMetric(float64(split)/float64(whole), "x_whole")
				b.ReportMetric(float64(size)/float64(len(raw)), "bytes_x")
				b.ReportMetric(float64(len(parts)), "parts")
			})
		}
	}
}

// wideTraces returns the given number of spans (a multiple of 10) in traces
// of 10 spans, each span with 24 high-cardinality attributes: the gateway
// benchmark's wide workload.
func wideTraces(spans int) ptrace.Traces {
	cfg := loadgen.DefaultConfig()
	cfg.SpansPerTrace = 10
	cfg.WideAttributes = 24
	return loadgen.New(cfg).Traces(spans / cfg.SpansPerTrace)
}

// median returns the median of v (0 when empty); v is sorted in place.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	m := len(v) / 2
	if len(v)%2 == 0 {
		return (v[m-1] + v[m]) / 2
	}
	return v[m]
}
