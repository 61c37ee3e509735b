package samplingstateextension

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.yaml.in/yaml/v3"

	"github.com/otelgate/otelgate/extension/samplingstateextension/internal/metadata"
)

func load(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	exts, err := cm.Sub("extensions")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := exts.Sub(component.NewIDWithName(metadata.Type, name).String())
	if err != nil {
		t.Fatal(err)
	}
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg, confmap.Validate(cfg)
}

func TestConfig(t *testing.T) {
	def, err := load(t, "")
	if err != nil || def.Backend != BackendMemory || def.RetainedIntervals != 4 || def.MaxKeys != 100000 {
		t.Fatalf("default %+v %v", def, err)
	}
	custom, err := load(t, "custom")
	if err != nil || custom.RetainedIntervals != 8 || custom.MaxKeys != 5000 {
		t.Fatalf("custom %+v %v", custom, err)
	}
	_, err = load(t, "bad")
	for _, want := range []string{"redis.endpoint: must not be empty", "retained_intervals: must be at least 1, got 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	r, err := load(t, "redis")
	if err != nil || r.Backend != BackendRedis || r.Redis.Endpoint != "127.0.0.1:6379" || r.Redis.Username != "gate" ||
		string(r.Redis.Password) != "s3cret-value" || r.Redis.DB != 2 || r.Redis.KeyPrefix != "fleet-a:" ||
		r.Redis.Timeout != 250*time.Millisecond || r.Redis.TLS == nil || !r.Redis.TLS.InsecureSkipVerify {
		t.Fatalf("redis %+v %v", r, err)
	}
	if def.Redis.KeyPrefix != "otelgate:sampling:" || def.Redis.Timeout != 500*time.Millisecond {
		t.Fatalf("redis defaults %+v", def.Redis)
	}
	_, err = load(t, "redis_bad")
	for _, want := range []string{
		"redis.endpoint: must not be empty",
		"redis.password_file: must not be set together with redis.password",
		"redis.db: must not be negative, got -1",
		"redis.timeout: must be > 0, got 0s",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "s3cret") {
		t.Error("error shows the password")
	}
}

func newStore(t *testing.T, retained, maxKeys int) Store {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.RetainedIntervals, cfg.MaxKeys = retained, maxKeys
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ext.Shutdown(context.Background()) })
	store, ok := ext.(Store)
	if !ok {
		t.Fatal("extension is not a Store")
	}
	return store
}

func TestMergesCountsOfReplicas(t *testing.T) {
	s := newStore(t, 4, 100)
	ctx := context.Background()
	var wg sync.WaitGroup
	for replica := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if err := s.AddCounts(ctx, 10, map[string]int64{"a": 1, "b": int64(replica)}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got, err := s.MergedCounts(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got["a"] != 800 || got["b"] != 100*(0+1+2+3+4+5+6+7) || len(got) != 2 {
		t.Fatalf("merged %v", got)
	}
	// The returned map is a copy.
	got["a"] = 0
	if again, _ := s.MergedCounts(ctx, 10); again["a"] != 800 {
		t.Fatal("caller mutated the store")
	}
	if empty, err := s.MergedCounts(ctx, 11); err != nil || len(empty) != 0 {
		t.Fatalf("unknown interval: %v %v", empty, err)
	}
}

func TestBoundedMemory(t *testing.T) {
	s := newStore(t, 2, 3)
	ctx := context.Background()
	for i := range int64(10) {
		_ = s.AddCounts(ctx, i, map[string]int64{"a": 1})
	}
	if n := s.(*samplingState).backend.(*memoryStore).intervalCount(); n != 2 {
		t.Fatalf("holds %d intervals, want 2", n)
	}
	if err := s.AddCounts(ctx, 3, map[string]int64{"a": 1}); err == nil {
		t.Fatal("count for an expired interval accepted")
	}
	err := s.AddCounts(ctx, 9, map[string]int64{"b": 1, "c": 1, "d": 1, "e": 1})
	var limit *errKeyLimit
	if !errors.As(err, &limit) || limit.dropped != 2 {
		t.Fatalf("key limit error %v", err)
	}
	if got, _ := s.MergedCounts(ctx, 9); len(got) != 3 {
		t.Fatalf("interval holds %d keys, max 3", len(got))
	}
}

func TestHonoursContext(t *testing.T) {
	s := newStore(t, 2, 3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.AddCounts(ctx, 1, map[string]int64{"a": 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("AddCounts: %v", err)
	}
	if _, err := s.MergedCounts(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("MergedCounts: %v", err)
	}
}

// Every YAML example of the README parses, and its sampling_state settings
// are a valid configuration.
func TestREADMEConfigs(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 2 {
		t.Fatalf("%d YAML examples in the README, want at least 2", len(blocks))
	}
	backends := map[string]bool{}
	for i, b := range blocks {
		var raw map[string]any
		if err := yaml.Unmarshal([]byte(b[1]), &raw); err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		exts, err := confmap.NewFromStringMap(raw).Sub("extensions")
		if err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		sub, err := exts.Sub(metadata.Type.String())
		if err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		cfg := NewFactory().CreateDefaultConfig().(*Config)
		if err := sub.Unmarshal(cfg); err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		if err := confmap.Validate(cfg); err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		backends[cfg.Backend] = true
	}
	if !backends[BackendMemory] || !backends[BackendRedis] {
		t.Fatalf("examples cover backends %v, want memory and redis", backends)
	}
}
