package samplingstateextension

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/otelgate/otelgate/extension/samplingstateextension/internal/metadata"
)

// TestHealthCombinesMaximumStress publishes two sources through the extension
// and checks the combined read is the per-field maximum, that an expired
// source stops contributing and that nobody publishing reads as zero sources.
func TestHealthCombinesMaximumStress(t *testing.T) {
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), createDefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ext.Shutdown(context.Background()) }()
	h, ok := ext.(Health)
	if !ok {
		t.Fatal("the sampling_state extension does not implement Health")
	}
	mem := ext.(*samplingState).backend.(*memoryStore).memoryHealth
	now := time.Unix(1000, 0)
	mem.now = func() time.Time { return now }
	ctx := context.Background()

	if _, n, err := h.CombinedHealth(ctx); err != nil || n != 0 {
		t.Fatalf("empty: sources=%d err=%v, want 0 sources", n, err)
	}
	a := Signal{LatencyEWMA: 300 * time.Millisecond, ErrorRate: 0.01, QueueFill: 0.7}
	b := Signal{LatencyEWMA: 50 * time.Millisecond, ErrorRate: 0.2, QueueFill: 0.1, OpenBreakerShare: 0.5}
	if err := h.PublishHealth(ctx, "replica-a", a, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := h.PublishHealth(ctx, "replica-b", b, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	got, n, err := h.CombinedHealth(ctx)
	want := Signal{LatencyEWMA: 300 * time.Millisecond, ErrorRate: 0.2, QueueFill: 0.7, OpenBreakerShare: 0.5}
	if err != nil || n != 2 || got != want {
		t.Fatalf("combined = %+v (%d sources, err %v), want %+v from 2 sources", got, n, err, want)
	}
	// A newer publication replaces the older one of the same source.
	if err := h.PublishHealth(ctx, "replica-a", Signal{LatencyEWMA: time.Millisecond}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	now = now.Add(3 * time.Second) // replica-b expired
	got, n, err = h.CombinedHealth(ctx)
	if err != nil || n != 1 || got != (Signal{LatencyEWMA: time.Millisecond}) {
		t.Fatalf("after expiry = %+v (%d sources, err %v), want replica-a's newest signal only", got, n, err)
	}
	if err := h.PublishHealth(ctx, "x", a, 0); err == nil {
		t.Fatal("ttl 0 accepted")
	}
}

// TestHealthSourcesBounded checks the memory backend refuses sources beyond its
// bound while they are live and accepts new ones once old ones expire.
func TestHealthSourcesBounded(t *testing.T) {
	m := newMemoryHealth()
	now := time.Unix(1000, 0)
	m.now = func() time.Time { return now }
	ctx := context.Background()
	for i := range maxHealthSources {
		if err := m.PublishHealth(ctx, string(rune('a'+i%26))+time.Duration(i).String(), Signal{}, time.Second); err != nil {
			t.Fatalf("source %d: %v", i, err)
		}
	}
	if err := m.PublishHealth(ctx, "one-more", Signal{}, time.Second); err == nil {
		t.Fatalf("source %d accepted beyond the bound", maxHealthSources+1)
	}
	now = now.Add(2 * time.Second)
	if err := m.PublishHealth(ctx, "one-more", Signal{}, time.Second); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if _, n, _ := m.CombinedHealth(ctx); n != 1 {
		t.Fatalf("live sources = %d, want 1", n)
	}
}
