package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelgate/otelgate/internal/e2etest"
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
