package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// TestDemoAllPass runs the demo on the all-pass pipeline (otlp -> batch -> otlp)
// and checks that everything the gateway acknowledged reached the sink's files.
func TestDemoAllPass(t *testing.T) {
	e2etest.SkipIfShort(t)
	root := e2etest.RepoRoot()
	var out bytes.Buffer
	s, err := run(context.Background(), options{
		Binary:     e2etest.Binary(t),
		Config:     filepath.Join(root, "e2e", "testdata", "passthrough.yaml"),
		SinkConfig: filepath.Join(root, "demo", "sink.yaml"),
		Out:        t.TempDir(),
		Duration:   2 * time.Second,
		Rate:       1000,
		Seed:       3,
	}, &out)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	if len(s.Signals) != 3 {
		t.Fatalf("summary has %d signals, want 3", len(s.Signals))
	}
	for _, c := range s.Signals {
		if c.Sent < 1000 {
			t.Errorf("%s: only %d items sent in 2s at 1000/s", c.Signal, c.Sent)
		}
		if c.Failed != 0 {
			t.Errorf("%s: %d items refused by the gateway", c.Signal, c.Failed)
		}
		if c.Accepted != c.Sent || c.Exported != c.Sent || c.Received != c.Sent {
			t.Errorf("%s: sent %d, accepted %d, exported %d, received %d: want all equal",
				c.Signal, c.Sent, c.Accepted, c.Exported, c.Received)
		}
	}
	var printed bytes.Buffer
	s.print(&printed)
	for _, want := range []string{"received at sink", "traces", "metrics", "logs"} {
		if !strings.Contains(printed.String(), want) {
			t.Errorf("printed summary lacks %q:\n%s", want, printed.String())
		}
	}
}

// TestDemoGatewayConfig runs the demo on the gateway's own config.yaml and
// checks that every item is accounted for: what the gateway accepted is what
// its processors dropped plus what it exported, everything exported reached
// the sink, and what reached the sink was shaped (owners added, personal data
// encrypted, traces sampled, latency histograms aggregated).
func TestDemoGatewayConfig(t *testing.T) {
	e2etest.SkipIfShort(t)
	root := e2etest.RepoRoot()
	out := t.TempDir()
	var printed bytes.Buffer
	s, err := run(context.Background(), options{
		Binary:     e2etest.Binary(t),
		Config:     filepath.Join(root, "config.yaml"),
		SinkConfig: filepath.Join(root, "demo", "sink.yaml"),
		Out:        out,
		Duration:   2 * time.Second,
		Rate:       1000,
		Seed:       4,
	}, &printed)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, printed.String())
	}
	s.print(&printed)
	t.Log(printed.String())

	dropped := map[string]int64{}
	for _, p := range s.Processors {
		dropped[p.Signal] += p.In - p.Out
	}
	for _, c := range s.Signals {
		if c.Failed != 0 || c.Accepted != c.Sent || c.Sent < 1000 {
			t.Errorf("%s: sent %d, refused %d, accepted %d: want >= 1000 sent, all accepted", c.Signal, c.Sent, c.Failed, c.Accepted)
		}
		if c.Received < c.Exported {
			t.Errorf("%s: the gateway exported %d items, the sink received only %d", c.Signal, c.Exported, c.Received)
		}
	}
	for _, c := range s.Signals {
		switch c.Signal {
		case "traces", "logs":
			// Nothing is held past the batch timeout: the books balance exactly.
			if c.Accepted-dropped[c.Signal] != c.Exported || c.Received != c.Exported {
				t.Errorf("%s: accepted %d - dropped by processors %d != exported %d (received %d)",
					c.Signal, c.Accepted, dropped[c.Signal], c.Exported, c.Received)
			}
			if c.Received == 0 || c.Received >= c.Sent {
				t.Errorf("%s: received %d of %d: want a sampled, non-empty share", c.Signal, c.Received, c.Sent)
			}
		case "metrics":
			// The latency histograms of many pods become one per route and
			// window; every other metric passes through.
			in := int64(gatewayproc.SumSamples(s.Own, "otelcol_processor_aggregation_input_points", nil))
			out := int64(gatewayproc.SumSamples(s.Own, "otelcol_processor_aggregation_output_points", nil))
			if in == 0 || out == 0 || out >= in {
				t.Errorf("metrics: aggregation took %d points and emitted %d: want fewer, non-zero", in, out)
			}
			// Stamped at wall-clock time, every point goes to its own window.
			if late := gatewayproc.SumSamples(s.Own, "otelcol_processor_aggregation_late_points", nil); late != 0 {
				t.Errorf("metrics: %v late points: the load's wall-clock timestamps should land in open windows", late)
			}
			if c.Accepted-in+out != c.Exported || c.Received != c.Exported {
				t.Errorf("metrics: accepted %d - aggregated %d + emitted %d != exported %d (received %d)",
					c.Accepted, in, out, c.Exported, c.Received)
			}
		}
	}

	td := readSinkTraces(t, filepath.Join(out, "sink", "traces.jsonl"))
	var spans, encrypted, owned int
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		if _, ok := rss.At(i).Resource().Attributes().Get("team"); ok {
			owned++
		}
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j).Spans()
			for k := 0; k < ss.Len(); k++ {
				spans++
				sp := ss.At(k)
				if v, ok := sp.Attributes().Get("user.email"); ok {
					if !strings.HasPrefix(v.Str(), "enc:v1:") {
						t.Fatalf("span %s: user.email reached the sink in clear: %q", sp.Name(), v.Str())
					}
					encrypted++
				}
				if !strings.Contains(sp.TraceState().AsRaw(), "th:") {
					t.Fatalf("span %s: no sampling threshold in tracestate %q", sp.Name(), sp.TraceState().AsRaw())
				}
			}
		}
	}
	if spans == 0 || encrypted == 0 || owned != rss.Len() {
		t.Errorf("sink: %d spans, %d with an encrypted user.email, %d of %d resources with a team: want all > 0 and every resource owned",
			spans, encrypted, owned, rss.Len())
	}
}

func readSinkTraces(t *testing.T, path string) ptrace.Traces {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	all := ptrace.NewTraces()
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(line)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		td.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
	}
	return all
}
