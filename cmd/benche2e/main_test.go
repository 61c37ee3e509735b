package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/otelgate/otelgate/internal/e2etest"
)

// End to end: the passthrough pipeline under one second of load delivers
// every acknowledged span to the sink, the gateway exits cleanly, and the
// section lands in the output file next to an existing section.
func TestBenchPassthroughIsLossless(t *testing.T) {
	e2etest.SkipIfShort(t)
	bin := e2etest.Binary(t)
	configs := t.TempDir()
	src, err := os.ReadFile(filepath.Join(e2etest.RepoRoot(), "bench", "00-passthrough.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(configs, "00-passthrough.yaml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(out, []byte("# Benchmarks\n\n## sampler\n\nkeep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"--bin", bin, "--configs", configs, "--out", out, "--duration", "1s", "--warmup", "0s", "--connections", "2", "--rounds", "1", "--workloads", "default,narrow", "--rate", "narrow=2000"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	var acked, atSink int64 = -1, -1
	for _, line := range strings.Split(stderr.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "benche2e: narrow: 00-passthrough.yaml: "); ok && strings.Contains(rest, "acknowledged") {
			f := strings.Fields(rest)
			acked, _ = strconv.ParseInt(f[0], 10, 64)
			atSink, _ = strconv.ParseInt(f[3], 10, 64)
		}
	}
	if acked <= 0 || atSink != acked {
		t.Fatalf("passthrough: %d spans acknowledged, %d at sink; want equal and positive\n%s", acked, atSink, stderr.String())
	}
	// narrow ran at a fixed 2,000 spans/s for 1 s.
	if acked < 1900 || acked > 2100 {
		t.Fatalf("narrow at --rate 2000 for 1s: %d spans acknowledged, want 2000 ± 5%%\n%s", acked, stderr.String())
	}
	if !strings.Contains(stdout.String(), "| `00-passthrough.yaml` |") {
		t.Fatalf("no passthrough row:\n%s", stdout.String())
	}
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "## sampler\n\nkeep me\n") || !strings.Contains(string(doc), sectionTitle) ||
		!strings.Contains(string(doc), "at a fixed offered rate (default as fast as acknowledged, narrow 2000 spans/s)") {
		t.Fatalf("output file:\n%s", doc)
	}
}
