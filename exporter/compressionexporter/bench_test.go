package compressionexporter

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
)

// discardTransport accepts every request and counts its bytes per signal.
type discardTransport struct{ bytes map[string]int }

func (*discardTransport) start(context.Context, component.Host) error { return nil }
func (*discardTransport) shutdown(context.Context) error              { return nil }
func (*discardTransport) carries(string) bool                         { return true }
func (*discardTransport) format(c string) string                      { return c }
func (d *discardTransport) send(_ context.Context, signal string, body []byte, _ string) ([]byte, error) {
	d.bytes[signal] += len(body)
	return nil, nil
}

type rawRequest struct {
	signal string
	raw    []byte
}

// mixedWorkload marshals the benchmark's mixed workload once.
func mixedWorkload(tb testing.TB) ([]rawRequest, map[string]int) {
	tb.Helper()
	var out []rawRequest
	sizes := map[string]int{}
	for _, r := range workload.Mixed(42, 16) {
		var b []byte
		var err error
		switch r.Signal {
		case policy.Traces:
			b, err = ptraceotlp.NewExportRequestFromTraces(r.Traces).MarshalProto()
		case policy.Metrics:
			b, err = pmetricotlp.NewExportRequestFromMetrics(r.Metrics).MarshalProto()
		default:
			b, err = plogotlp.NewExportRequestFromLogs(r.Logs).MarshalProto()
		}
		require.NoError(tb, err)
		out = append(out, rawRequest{signal: r.Signal, raw: b})
		sizes[r.Signal] += len(b)
	}
	return out, sizes
}

// benchCase is one exporter configuration of the benchmark.
type benchCase struct {
	name string
	cfg  func(*Config)
	// warmups are the replays before the measurement (1 when zero).
	warmups int
}

func benchCases() []benchCase {
	static := func(c string, l int) benchCase {
		return benchCase{name: fmt.Sprintf("static/%s:%d", c, l), cfg: func(cfg *Config) {
			cfg.Policy, cfg.Static = policyStatic, CodecConfig{Codec: c, Level: l}
			cfg.Allowed = cfg.carried()
		}}
	}
	cases := []benchCase{
		static("none", 0), static("snappy", 1), static("lz4", 1), static("zlib", 6),
		static("gzip", 1), static("gzip", 6), static("gzip", 9),
		static("zstd", 1), static("zstd", 3), static("zstd", 7), static("zstd", 11),
		static("br", 4), static("br", 9),
		{name: "by_signal", cfg: func(cfg *Config) {
			cfg.Policy = policyBySignal
			cfg.BySignal = BySignalConfig{Traces: CodecConfig{Codec: "zstd"}, Metrics: CodecConfig{Codec: "gzip"}, Logs: CodecConfig{Codec: "br"}}
		}},
	}
	for _, rate := range benchLinks {
		cases = append(cases, benchCase{name: fmt.Sprintf("adaptive/link=%gMB/s", rate/1e6), cfg: func(cfg *Config) {
			cfg.Policy = policyAdaptive
			cfg.Adaptive.LinkBytesPerSecond = rate
		}})
	}
	cases = append(cases, benchCase{name: "adaptive/link=1MB/s/share=0.05", cfg: func(cfg *Config) {
		cfg.Policy = policyAdaptive
		cfg.Adaptive.LinkBytesPerSecond = 1e6
		cfg.Adaptive.SampleShare = 0.05
	}}, benchCase{name: "adaptive/link=1MB/s/no_budget", cfg: func(cfg *Config) {
		cfg.Policy = policyAdaptive
		cfg.Adaptive.LinkBytesPerSecond = 1e6
		cfg.Adaptive.TrialCPUBudget = 0
	}})
	// Steady state: after 16 evaluations, trials of a stable choice are
	// spaced out (adaptive.max_backoff).
	for _, rate := range benchLinks {
		cases = append(cases, benchCase{name: fmt.Sprintf("adaptive/link=%gMB/s/steady", rate/1e6), cfg: func(cfg *Config) {
			cfg.Policy = policyAdaptive
			cfg.Adaptive.LinkBytesPerSecond = rate
		}, warmups: 16})
	}
	return cases
}

// benchRounds is how many times each case of BenchmarkMixedWorkload runs,
// interleaved with the others.
const benchRounds = 3

// benchLinks are the link throughputs the adaptive cases assume, in bytes per second.
var benchLinks = []float64{100e3, 1e6, 100e6}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMixedWorkload replays one mixed workload (traces, metrics and
// logs; 10-item and 2,000-item requests) through the exporter's send path
// for each static codec, by_signal and adaptive, and reports bytes on the
// wire, the ratio against uncompressed OTLP (overall and for traces) and CPU
// seconds per uncompressed MB (trial compressions included). The adaptive
// policy evaluates once per replay of the workload (about 14 MB), with the
// default sample (64 KiB floor, then a share of 0.01), pruning and trial CPU
// budget, after one warm-up replay; one case shows a sample share of 0.05,
// one runs without the trial budget, and the /steady cases measure after 16
// warm-up replays. The budget defers trials beyond the first into later
// replays, so trial_share reports the trials' CPU over every replay of the
// case, warm-ups included, against the send path's compression CPU.
//
// The cases run benchRounds times, interleaved (every case once per round),
// so a slow moment of the machine does not land on one case only; the table
// printed at the end holds each case's median.
func BenchmarkMixedWorkload(b *testing.B) {
	reqs, sizes := mixedWorkload(b)
	total := 0
	for _, n := range sizes {
		total += n
	}
	type result struct {
		name            string
		wire, traceWire int
		cpuPerMB        float64
		trialShare      float64
	}
	var results []result
	for range benchRounds {
		for _, bc := range benchCases() {
			b.Run(bc.name, func(b *testing.B) {
				cfg := createDefaultConfig().(*Config)
				cfg.Protocol = protocolHTTP
				cfg.HTTP.Endpoint = "http://127.0.0.1:1"
				cfg.AcceptBrotli = true
				cfg.MinSize = 0
				bc.cfg(cfg)
				require.NoError(b, cfg.Validate())
				set := exportertest.NewNopSettings(metadata.Type)
				tr := &discardTransport{bytes: map[string]int{}}
				exps := map[string]*compressionExporter{}
				for _, sig := range policy.Signals {
					e, err := newExporter(cfg, set, sig)
					require.NoError(b, err)
					e.tr = tr
					exps[sig] = e
				}
				ctx := context.Background()
				var trialCPU, allTrialCPU, allCPU time.Duration
				replay := func() {
					start := processCPU()
					for _, r := range reqs {
						require.NoError(b, exps[r.signal].export(ctx, r.raw, nil))
					}
					// One adaptive evaluation per replay of the workload.
					for _, e := range exps {
						if e.adaptive != nil {
							for _, d := range e.adaptive.Evaluate() {
								c := d.TrialCPU()
								trialCPU += c
								allTrialCPU += c
							}
						}
					}
					allCPU += processCPU() - start
				}
				for range max(bc.warmups, 1) {
					replay() // warm-up: pools filled, first adaptive decision taken
				}
				b.ReportAllocs()
				b.SetBytes(int64(total))
				var cpu time.Duration
				trialCPU = 0
				for b.Loop() {
					clear(tr.bytes)
					start := processCPU()
					replay()
					cpu += processCPU() - start
				}
				wire := tr.bytes[policy.Traces] + tr.bytes[policy.Metrics] + tr.bytes[policy.Logs]
				cpuPerMB := cpu.Seconds() / float64(b.N) / (float64(total) / 1e6)
				b.ReportMetric(float64(wire), "wire_bytes")
				b.ReportMetric(float64(total)/float64(wire), "ratio")
				b.ReportMetric(float64(sizes[policy.Traces])/float64(tr.bytes[policy.Traces]), "trace_ratio")
				b.ReportMetric(cpuPerMB*1e3, "cpu_ms/MB")
				var share float64
				if exps[policy.Traces].adaptive != nil {
					// The part of cpu_ms/MB the trials measured on their own thread.
					b.ReportMetric(trialCPU.Seconds()/float64(b.N)/(float64(total)/1e6)*1e3, "trial_cpu_ms/MB")
					share = allTrialCPU.Seconds() / (allCPU - allTrialCPU).Seconds()
					b.ReportMetric(share, "trial_share")
					var picks []string
					for _, sig := range policy.Signals {
						picks = append(picks, sig+"="+exps[sig].adaptive.Choose(sig, 0).Key())
					}
					b.Logf("adaptive choices: %s", strings.Join(picks, " "))
				}
				results = append(results, result{bc.name, wire, tr.bytes[policy.Traces], cpuPerMB, share})
			})
		}
	}
	// Each case ran benchRounds times (more with -count): one row per case, its median.
	byName := map[string][]result{}
	var names []string
	for _, r := range results {
		if _, ok := byName[r.name]; !ok {
			names = append(names, r.name)
		}
		byName[r.name] = append(byName[r.name], r)
	}
	results = results[:0]
	for _, n := range names {
		rs := byName[n]
		sort.Slice(rs, func(i, j int) bool { return rs[i].cpuPerMB < rs[j].cpuPerMB })
		med := rs[len(rs)/2]
		sort.Slice(rs, func(i, j int) bool { return rs[i].wire < rs[j].wire })
		med.wire, med.traceWire = rs[len(rs)/2].wire, rs[len(rs)/2].traceWire
		sort.Slice(rs, func(i, j int) bool { return rs[i].trialShare < rs[j].trialShare })
		med.trialShare = rs[len(rs)/2].trialShare
		results = append(results, med)
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].wire < results[j].wire })
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nmixed workload: %d requests, %d bytes uncompressed (traces %d, metrics %d, logs %d)\n",
		len(reqs), total, sizes[policy.Traces], sizes[policy.Metrics], sizes[policy.Logs])
	fmt.Fprintf(&sb, "one row per case (median of its runs)\n%-32s %12s %8s %12s %11s %12s\n", "config", "wire bytes", "ratio", "trace ratio", "cpu ms/MB", "trial share")
	for _, r := range results {
		share := ""
		if strings.HasPrefix(r.name, "adaptive") {
			share = fmt.Sprintf("%.3f", r.trialShare)
		}
		line := fmt.Sprintf("%-32s %12d %8.2f %12.2f %11.2f %12s", r.name, r.wire, float64(total)/float64(r.wire),
			float64(sizes[policy.Traces])/float64(r.traceWire), r.cpuPerMB*1e3, share)
		sb.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	// For each link rate: the static codec with the lowest cost (CPU + wire
	// time) against adaptive at that rate.
	mb := float64(total) / 1e6
	for _, rate := range benchLinks {
		cost := func(r result) float64 { return r.cpuPerMB*mb + float64(r.wire)/rate }
		var best *result
		ads := map[string]*result{}
		name := fmt.Sprintf("adaptive/link=%gMB/s", rate/1e6)
		for i := range results {
			r := &results[i]
			if strings.HasPrefix(r.name, "static/") && (best == nil || cost(*r) < cost(*best)) {
				best = r
			}
			if r.name == name || r.name == name+"/steady" {
				ads[r.name] = r
			}
		}
		if best == nil {
			continue
		}
		fmt.Fprintf(&sb, "link %g MB/s: cheapest static %s (%d bytes, %.2f ms/MB, cost %.3f s)\n",
			rate/1e6, best.name, best.wire, best.cpuPerMB*1e3, cost(*best))
		for _, n := range []string{name, name + "/steady"} {
			if ad := ads[n]; ad != nil {
				fmt.Fprintf(&sb, "  %-28s %d bytes (%+.1f%%), %.2f ms/MB (%.2fx), cost %.3f s, trial share %.3f\n",
					n, ad.wire, 100*(float64(ad.wire)/float64(best.wire)-1), ad.cpuPerMB*1e3, ad.cpuPerMB/best.cpuPerMB, cost(*ad), ad.trialShare)
			}
		}
	}
	fmt.Print(sb.String())
}
