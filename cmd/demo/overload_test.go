package main

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelgate/otelgate/internal/e2etest"
)

// TestDemoOverload runs make demo-overload's scenario on a shorter schedule:
// config.yaml with demo/overload.yaml, a backend holding its acknowledgements
// for 2s from 4s to 12s into the load. The factor goes down for latency and
// back to 1, the gateway refuses nothing, and the sum of the kept spans'
// adjusted counts is within ±10% of the spans sampled.
func TestDemoOverload(t *testing.T) {
	e2etest.SkipIfShort(t)
	root := e2etest.RepoRoot()
	var printed bytes.Buffer
	s, err := run(context.Background(), options{
		Binary:     e2etest.Binary(t),
		Config:     filepath.Join(root, "config.yaml"),
		Overlay:    filepath.Join(root, "demo", "overload.yaml"),
		SinkConfig: filepath.Join(root, "demo", "sink.yaml"),
		Out:        t.TempDir(),
		Duration:   22 * time.Second,
		Rate:       1000,
		Seed:       5,
		Slow:       slowdown{From: 4 * time.Second, Until: 12 * time.Second, Delay: 2 * time.Second},
	}, &printed)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, printed.String())
	}
	s.print(&printed)
	t.Log(printed.String())

	for _, c := range s.Signals {
		if c.Failed != 0 || c.Accepted != c.Sent || c.Sent < 10000 {
			t.Errorf("%s: sent %d, refused %d, accepted %d: want >= 10000 sent, none refused", c.Signal, c.Sent, c.Failed, c.Accepted)
		}
	}
	sh := s.Shed
	if sh == nil {
		t.Fatal("no load-shedding summary")
	}
	if len(sh.Timeline) == 0 || sh.Timeline[0].Factor != 1 || sh.Min() >= 1 || sh.Last() != 1 {
		t.Errorf("factors %v: want 1, lower, then back to 1", sh.Timeline)
	}
	if sh.Changes["latency"] < 1 || sh.Changes["recovered"] < 1 {
		t.Errorf("changes %v: want decreases for latency and increases", sh.Changes)
	}
	if sh.KeptSpans == 0 || sh.KeptSpans >= sh.SampledSpans {
		t.Errorf("kept %d of %d sampled spans: want a non-empty share", sh.KeptSpans, sh.SampledSpans)
	}
	if e := sh.AdjustedError(); math.IsNaN(e) || math.Abs(e) > 0.10 {
		t.Errorf("sum of adjusted counts %.0f vs %d spans sampled: off by %+.1f%%, want within ±10%%", sh.AdjustedSpans, sh.SampledSpans, 100*e)
	}
	if !strings.Contains(printed.String(), "load shedding (the backend held") {
		t.Errorf("the printed summary lacks the load-shedding section:\n%s", printed.String())
	}
}
