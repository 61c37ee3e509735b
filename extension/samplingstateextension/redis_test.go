package samplingstateextension

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/otelgate/otelgate/internal/redistest"
)

func newRedis(t *testing.T, addr string, retained, maxKeys int, edit func(*RedisConfig)) *samplingState {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Backend, cfg.RetainedIntervals, cfg.MaxKeys = BackendRedis, retained, maxKeys
	cfg.Redis.Endpoint = addr
	if edit != nil {
		edit(&cfg.Redis)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ext.Shutdown(context.Background()) })
	return ext.(*samplingState)
}

// interval is the number of the current 1s interval, as the processors number them.
func interval() int64 { return time.Now().Unix() }

func TestRedisMergesCountsOfReplicas(t *testing.T) {
	mr := miniredis.RunT(t)
	// Eight replicas, each its own client, add to one interval concurrently.
	stores := make([]*samplingState, 8)
	for i := range stores {
		stores[i] = newRedis(t, mr.Addr(), 4, 100, nil)
	}
	ctx := context.Background()
	iv := interval()
	var wg sync.WaitGroup
	for replica, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if err := s.AddCounts(ctx, iv, map[string]int64{"a": 1, "b": int64(replica)}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got, err := stores[3].MergedCounts(ctx, iv)
	if err != nil {
		t.Fatal(err)
	}
	if got["a"] != 160 || got["b"] != 20*(0+1+2+3+4+5+6+7) || len(got) != 2 {
		t.Fatalf("merged %v", got)
	}
	if empty, err := stores[0].MergedCounts(ctx, iv+1); err != nil || len(empty) != 0 {
		t.Fatalf("unknown interval: %v %v", empty, err)
	}
	// The hash expires after retained intervals (4 × 1s).
	ttl := mr.TTL("otelgate:sampling:counts:" + strconv.FormatInt(iv, 10))
	if ttl < 3*time.Second || ttl > 5*time.Second {
		t.Fatalf("ttl %s, want about 4s", ttl)
	}
	mr.FastForward(5 * time.Second)
	if gone, _ := stores[0].MergedCounts(ctx, iv); len(gone) != 0 {
		t.Fatalf("expired interval still holds %v", gone)
	}
}

func TestRedisBoundsKeysPerInterval(t *testing.T) {
	mr := miniredis.RunT(t)
	ctx := context.Background()
	iv := interval()
	// Two replicas add disjoint new keys at once: the bound holds for the sum.
	a, b := newRedis(t, mr.Addr(), 4, 50, nil), newRedis(t, mr.Addr(), 4, 50, nil)
	mk := func(prefix string, n int) map[string]int64 {
		m := map[string]int64{}
		for i := range n {
			m[prefix+strconv.Itoa(i)] = 1
		}
		return m
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*samplingState{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.AddCounts(ctx, iv, mk(string(rune('a'+i)), 40)) }()
	}
	wg.Wait()
	dropped := 0
	for _, err := range errs {
		var limit *errKeyLimit
		if errors.As(err, &limit) {
			dropped += limit.dropped
		} else if err != nil {
			t.Fatal(err)
		}
	}
	got, _ := a.MergedCounts(ctx, iv)
	if len(got) != 50 || dropped != 30 {
		t.Fatalf("interval holds %d keys (max 50), %d refused (want 30)", len(got), dropped)
	}
	// Known keys still count once the interval is full.
	var some string
	for k := range got {
		some = k
		break
	}
	if err := b.AddCounts(ctx, iv, map[string]int64{some: 5}); err != nil {
		t.Fatal(err)
	}
	if again, _ := a.MergedCounts(ctx, iv); again[some] != 6 {
		t.Fatalf("%s = %d, want 6", some, again[some])
	}
	// More keys than one script call carries (addChunk) go through in one pipeline.
	// miniredis runs Lua slowly under -race: a generous timeout for the 2500 fields.
	big := newRedis(t, mr.Addr(), 4, 5000, func(r *RedisConfig) { r.Timeout = 30 * time.Second })
	if err := big.AddCounts(ctx, iv+1, mk("k", 2500)); err != nil {
		t.Fatal(err)
	}
	if got, _ := big.MergedCounts(ctx, iv+1); len(got) != 2500 {
		t.Fatalf("chunked add stored %d keys, want 2500", len(got))
	}
}

func TestRedisHeartbeatCountsLiveReplicas(t *testing.T) {
	mr := miniredis.RunT(t)
	s := newRedis(t, mr.Addr(), 4, 100, nil)
	ctx := context.Background()
	for i, want := range []int{1, 2, 3} {
		n, err := s.Heartbeat(ctx, "g", "r"+strconv.Itoa(i), 300*time.Millisecond)
		if err != nil || n != want {
			t.Fatalf("heartbeat %d: %d %v", i, n, err)
		}
	}
	if n, _ := s.Heartbeat(ctx, "other", "r0", time.Second); n != 1 {
		t.Fatalf("groups mix: %d", n)
	}
	if err := s.Leave(ctx, "g", "r1"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Heartbeat(ctx, "g", "r0", 300*time.Millisecond); n != 2 {
		t.Fatalf("after leave: %d, want 2", n)
	}
	// Registrations expire by the replicas' clock.
	time.Sleep(400 * time.Millisecond)
	if n, _ := s.Heartbeat(ctx, "g", "r0", 300*time.Millisecond); n != 1 {
		t.Fatalf("after expiry: %d, want 1", n)
	}
}

func TestRedisAuthenticatesWithoutShowingThePassword(t *testing.T) {
	mr := miniredis.RunT(t)
	mr.RequireUserAuth("gate", "pw-from-file")
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(file, []byte("pw-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := newRedis(t, mr.Addr(), 4, 100, func(r *RedisConfig) { r.Username, r.PasswordFile = "gate", file })
	if err := good.AddCounts(ctx, interval(), map[string]int64{"a": 1}); err != nil {
		t.Fatal(err)
	}
	bad := newRedis(t, mr.Addr(), 4, 100, func(r *RedisConfig) { r.Username, r.Password = "gate", "wrong-secret" })
	err := bad.AddCounts(ctx, interval(), map[string]int64{"a": 1})
	if err == nil || strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("bad password: %v", err)
	}
	// A missing password file fails start and names the field.
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Backend, cfg.Redis.Endpoint, cfg.Redis.PasswordFile = BackendRedis, mr.Addr(), filepath.Join(t.TempDir(), "none")
	ext, _ := f.Create(ctx, extensiontest.NewNopSettings(f.Type()), cfg)
	if err := ext.Start(ctx, componenttest.NewNopHost()); err == nil || !strings.Contains(err.Error(), "redis.password_file") {
		t.Fatalf("start with missing password file: %v", err)
	}
}

func TestRedisDownFailsWithinTimeout(t *testing.T) {
	mr := miniredis.RunT(t)
	s := newRedis(t, mr.Addr(), 4, 100, func(r *RedisConfig) { r.Timeout = 200 * time.Millisecond })
	mr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.AddCounts(ctx, interval(), map[string]int64{"a": 1}); err == nil {
		t.Fatal("AddCounts to a stopped server succeeded")
	}
	if _, err := s.MergedCounts(ctx, interval()); err == nil {
		t.Fatal("MergedCounts from a stopped server succeeded")
	}
	if ctx.Err() != nil {
		t.Fatal("calls outlived their deadline")
	}
}

// TestRealRedisServer runs the store against redis-server itself: the script,
// the expiry and a restart that loses the data.
func TestRealRedisServer(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newRedis(t, srv.Addr, 3, 10, nil), newRedis(t, srv.Addr, 3, 10, nil)
	ctx := context.Background()
	iv := interval()
	if err := a.AddCounts(ctx, iv, map[string]int64{"x": 3, "y": 1}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddCounts(ctx, iv, map[string]int64{"x": 4}); err != nil {
		t.Fatal(err)
	}
	got, err := b.MergedCounts(ctx, iv)
	if err != nil || got["x"] != 7 || got["y"] != 1 || len(got) != 2 {
		t.Fatalf("merged %v %v", got, err)
	}
	if n, err := a.Heartbeat(ctx, "g", "a", time.Second); err != nil || n != 1 {
		t.Fatalf("heartbeat %d %v", n, err)
	}
	srv.Kill()
	if _, err := a.MergedCounts(ctx, iv); err == nil {
		t.Fatal("read from a killed server succeeded")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// The client reconnects; the data is gone with the old process.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err = a.MergedCounts(ctx, iv)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || len(got) != 0 {
		t.Fatalf("after restart: %v %v", got, err)
	}
}
