package samplingstateextension

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/otelgate/otelgate/internal/redistest"
)

// healthSignals are three sources' signals, each the most stressed in a
// different field.
var healthSignals = []Signal{
	{LatencyEWMA: 2500 * time.Millisecond, ErrorRate: 0.01, QueueFill: 0.2, OpenBreakerShare: 0},
	{LatencyEWMA: 40 * time.Millisecond, ErrorRate: 0.123456789, QueueFill: 0.05, OpenBreakerShare: 1.0 / 3},
	{LatencyEWMA: 900 * time.Millisecond, ErrorRate: 0, QueueFill: 0.75, OpenBreakerShare: 0.25},
}

var healthMax = Signal{LatencyEWMA: 2500 * time.Millisecond, ErrorRate: 0.123456789, QueueFill: 0.75, OpenBreakerShare: 1.0 / 3}

// checkFleetHealth publishes one signal per replica (each its own client) and
// checks that every replica reads the per-field maximum over all of them.
func checkFleetHealth(t *testing.T, addr string) []*samplingState {
	t.Helper()
	ctx := context.Background()
	replicas := make([]*samplingState, len(healthSignals))
	for i := range replicas {
		replicas[i] = newRedis(t, addr, 4, 100, nil)
		if err := replicas[i].PublishHealth(ctx, fmt.Sprintf("compression/traces/replica-%d", i), healthSignals[i], time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range replicas {
		got, n, err := r.CombinedHealth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(healthSignals) || got != healthMax {
			t.Fatalf("replica %d reads %+v from %d sources, want %+v from %d", i, got, n, healthMax, len(healthSignals))
		}
	}
	return replicas
}

func TestRedisHealthCombinesReplicas(t *testing.T) {
	mr := miniredis.RunT(t)
	replicas := checkFleetHealth(t, mr.Addr())
	// A newer publication replaces the source's signal.
	ctx := context.Background()
	if err := replicas[0].PublishHealth(ctx, "compression/traces/replica-0", Signal{}, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, n, err := replicas[1].CombinedHealth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Signal{LatencyEWMA: 900 * time.Millisecond, ErrorRate: 0.123456789, QueueFill: 0.75, OpenBreakerShare: 1.0 / 3}); n != 3 || got != want {
		t.Fatalf("after replica 0 recovered: %+v from %d sources, want %+v from 3", got, n, want)
	}
}

// TestRedisHealthExpiresByServerClock moves only the server's clock: the
// sources expire when the server says so, whatever the local time.
func TestRedisHealthExpiresByServerClock(t *testing.T) {
	mr := miniredis.RunT(t)
	t0 := time.Now().Add(-time.Hour) // far from the local clock
	mr.SetTime(t0)
	r := newRedis(t, mr.Addr(), 4, 100, nil)
	ctx := context.Background()
	if err := r.PublishHealth(ctx, "slow", Signal{LatencyEWMA: 3 * time.Second}, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := r.PublishHealth(ctx, "failing", Signal{ErrorRate: 0.5}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	mr.SetTime(t0.Add(1999 * time.Millisecond))
	if got, n, err := r.CombinedHealth(ctx); err != nil || n != 2 || got.LatencyEWMA != 3*time.Second || got.ErrorRate != 0.5 {
		t.Fatalf("before the deadline: %+v from %d sources (%v), want both", got, n, err)
	}
	mr.SetTime(t0.Add(2 * time.Second))
	got, n, err := r.CombinedHealth(ctx)
	if err != nil || n != 1 || got != (Signal{ErrorRate: 0.5}) {
		t.Fatalf("at the slow source's deadline: %+v from %d sources (%v), want only the failing one", got, n, err)
	}
	if mr.Exists("otelgate:sampling:health:source:slow") {
		t.Fatal("the expired source's hash is still there")
	}
	mr.SetTime(t0.Add(10 * time.Second))
	if got, n, err := r.CombinedHealth(ctx); err != nil || n != 0 || got != (Signal{}) {
		t.Fatalf("after every deadline: %+v from %d sources (%v), want none", got, n, err)
	}
}

// TestRedisHealthBoundsSources refuses a new source when maxHealthSources are
// live; a live source can still publish, and a new one is accepted once a
// source expired.
func TestRedisHealthBoundsSources(t *testing.T) {
	mr := miniredis.RunT(t)
	t0 := time.Now()
	mr.SetTime(t0)
	// Combining 1024 sources is one Lua call, slow in miniredis under -race.
	r := newRedis(t, mr.Addr(), 4, 100, func(c *RedisConfig) { c.Timeout = 30 * time.Second })
	ctx := context.Background()
	for i := range maxHealthSources {
		ttl := time.Minute
		if i == 0 {
			ttl = time.Second
		}
		if err := r.PublishHealth(ctx, fmt.Sprintf("source-%d", i), Signal{QueueFill: float64(i) / maxHealthSources}, ttl); err != nil {
			t.Fatalf("source %d: %v", i, err)
		}
	}
	err := r.PublishHealth(ctx, "one-too-many", Signal{ErrorRate: 1}, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "1024 sources are live") {
		t.Fatalf("source 1025: error %v, want the limit named", err)
	}
	if err := r.PublishHealth(ctx, "source-7", Signal{QueueFill: 0.5}, time.Minute); err != nil {
		t.Fatalf("a live source publishing again: %v", err)
	}
	got, n, err := r.CombinedHealth(ctx)
	if err != nil || n != maxHealthSources || got.ErrorRate != 0 {
		t.Fatalf("%+v from %d sources (%v): the refused source must not count", got, n, err)
	}
	mr.SetTime(t0.Add(time.Second))
	if err := r.PublishHealth(ctx, "one-too-many", Signal{ErrorRate: 1}, time.Minute); err != nil {
		t.Fatalf("after source-0 expired: %v", err)
	}
}

// TestRedisHealthRealServer runs the fleet combination against a real
// redis-server, then lets a short-lived source expire by the server's clock.
func TestRedisHealthRealServer(t *testing.T) {
	srv := redistest.Start(t)
	replicas := checkFleetHealth(t, srv.Addr)
	ctx := context.Background()
	if err := replicas[0].PublishHealth(ctx, "short-lived", Signal{ErrorRate: 0.9}, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if got, n, err := replicas[1].CombinedHealth(ctx); err != nil || n != 4 || got.ErrorRate != 0.9 {
		t.Fatalf("with the short-lived source: %+v from %d sources (%v)", got, n, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, n, err := replicas[2].CombinedHealth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 3 {
			if got != healthMax {
				t.Fatalf("after the short-lived source expired: %+v, want %+v", got, healthMax)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the short-lived source (ttl 300ms) is still live after 20s: %d sources", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRedisHealthUnreachable reports the failure instead of a healthy backend.
func TestRedisHealthUnreachable(t *testing.T) {
	mr := miniredis.RunT(t)
	r := newRedis(t, mr.Addr(), 4, 100, nil)
	mr.Close()
	if _, _, err := r.CombinedHealth(context.Background()); err == nil {
		t.Fatal("CombinedHealth with the server gone: no error")
	}
	if err := r.PublishHealth(context.Background(), "s", Signal{}, time.Second); err == nil {
		t.Fatal("PublishHealth with the server gone: no error")
	}
}
