package samplingstateextension

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelgate/otelgate/internal/redistest"
)

// brakeBackends are the Guards under test: the memory backend, the redis
// backend on miniredis and on a real redis-server.
func brakeBackends(t *testing.T) map[string]Guard {
	t.Helper()
	f := NewFactory()
	mem, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), f.CreateDefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Guard{"memory": mem.(Guard), "miniredis": newRedis(t, miniredis.RunT(t).Addr(), 4, 100, nil)}
	if !testing.Short() {
		out["redis-server"] = newRedis(t, redistest.Start(t).Addr, 4, 100, nil)
	}
	return out
}

// simulateBrake runs one interval of n instants over replicas sending
// volume[i] spans per interval each at the rates of the last adjustment
// (probability p), each keeping volume × p × the factor in force (a factor
// decided at instant j is in force from j+lag), and returns the fleet's kept
// spans and the factor of each instant as every replica read it.
func simulateBrake(t *testing.T, g Guard, key string, n, lag int, budget, p float64, volume []float64) (float64, [][]float64) {
	t.Helper()
	force := make([]float64, n+lag)
	for i := range force {
		force[i] = 1
	}
	var fleet float64
	var seen [][]float64
	keptLast := make([]int64, len(volume))
	for j := range n {
		if j > 0 {
			var read []float64
			for i := range volume {
				f, err := g.Brake(context.Background(), BrakeRequest{Key: key, Instants: n, Instant: j, Lag: lag, Kept: keptLast[i], Budget: budget, TTL: time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				read = append(read, f)
			}
			seen = append(seen, read)
			force[j+lag] = read[0]
		}
		for i, v := range volume {
			k := math.Round(v / float64(n) * p * force[j])
			keptLast[i] = int64(k)
			fleet += k
		}
	}
	return fleet, seen
}

// Replicas reporting a 5x step agree on every factor, the fleet keeps its
// budget within 10%, steady traffic is never braked, and the Lua script and
// DecideBrake compute bit-identical factors; with a factor due the next
// instant (20 instants) and four instants later (40 instants).
func TestBrakeAgreesAndHoldsTheBudget(t *testing.T) {
	backends := brakeBackends(t)
	for _, c := range []struct{ n, lag int }{{20, 1}, {40, 4}} {
		var reference [][]float64
		for name, g := range backends {
			key := fmt.Sprintf("%d/%d/", c.n, c.lag)
			// Rates of 1000/3000 meet 15000 spans (70/20/10) in the interval.
			kept, seen := simulateBrake(t, g, key+"step", c.n, c.lag, 1000, 1000.0/3000, []float64{10500, 3000, 1500})
			for j, fs := range seen {
				for i := range fs {
					if fs[i] != fs[0] {
						t.Fatalf("%s instant %d: replicas read %v", name, j+1, fs)
					}
				}
			}
			t.Logf("%s, %d instants, lag %d: fleet kept %.0f of budget 1000 (5000 unbraked)", name, c.n, c.lag, kept)
			if math.Abs(kept-1000) > 100 {
				t.Errorf("%s, %d instants, lag %d: fleet kept %.0f, want 1000 ± 10%%; factors %v", name, c.n, c.lag, kept, seen)
			}
			if reference == nil {
				reference = seen
			} else if fmt.Sprint(seen) != fmt.Sprint(reference) {
				t.Errorf("%s factors differ from another backend:\n%v\n%v", name, seen, reference)
			}
			steady, seen := simulateBrake(t, g, key+"steady", c.n, c.lag, 1000, 1000.0/3000, []float64{2100, 600, 300})
			for j, fs := range seen {
				if fs[0] != 1 {
					t.Errorf("%s: steady traffic braked at instant %d: %v (kept %.0f)", name, j+1, fs, steady)
				}
			}
		}
	}
}

// The first report of an instant decides; later ones read the recorded factor
// whatever they report, and their counts weigh on the next decisions.
// Requests out of range are refused.
func TestBrakeIsDecidedOnce(t *testing.T) {
	for name, g := range brakeBackends(t) {
		ctx := context.Background()
		brake := func(instant int, kept int64) float64 {
			t.Helper()
			f, err := g.Brake(ctx, BrakeRequest{Key: "once", Instants: 20, Instant: instant, Lag: 1, Kept: kept, Budget: 100, TTL: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		// On pace: 5 spans per instant of a budget of 100.
		brake(1, 5)
		if f := brake(2, 5); f != 1 {
			t.Fatalf("%s: on pace, factor %v", name, f)
		}
		if f := brake(2, 10000); f != 1 {
			t.Fatalf("%s: a second report changed the decision of instant 2 to %v", name, f)
		}
		if f := brake(3, 0); f != 0 {
			t.Fatalf("%s: the budget is spent, factor %v, want 0", name, f)
		}
		for _, bad := range []BrakeRequest{
			{Key: "x", Instants: 20, Instant: 0, Lag: 1}, {Key: "x", Instants: 20, Instant: 20, Lag: 1}, {Key: "x", Instants: 2, Instant: 1, Lag: 1},
			{Key: "x", Instants: 20, Instant: 1, Lag: 1, Kept: -1}, {Key: "x", Instants: 20, Instant: 1, Lag: 0},
		} {
			if _, err := g.Brake(ctx, bad); err == nil {
				t.Errorf("%s: %+v accepted", name, bad)
			}
		}
	}
}

// The extension measures every backend call by operation, counts failed ones
// and reports the live replicas of each group.
func TestOwnTelemetry(t *testing.T) {
	tt := componenttest.NewTelemetry()
	defer func() { _ = tt.Shutdown(context.Background()) }()
	f := NewFactory()
	set := extensiontest.NewNopSettings(f.Type())
	set.TelemetrySettings = tt.NewTelemetrySettings()
	mr := miniredis.RunT(t)
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Backend, cfg.Redis.Endpoint, cfg.Redis.Timeout = BackendRedis, mr.Addr(), 200*time.Millisecond
	ext, err := f.Create(context.Background(), set, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ext.Shutdown(context.Background()) }()
	s := ext.(*samplingState)
	ctx := context.Background()
	group := "adaptive_sampling\x00traces\x00"
	for _, r := range []string{"a", "b", "c"} {
		if _, err := s.Heartbeat(ctx, group, r, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddCounts(ctx, 7, map[string]int64{"k": 1}); err != nil {
		t.Fatal(err)
	}
	mr.Close()
	if _, err := s.MergedCounts(ctx, 7); err == nil {
		t.Fatal("merged counts from a closed server")
	}
	m, err := tt.GetMetric("otelcol_extension_sampling_state_call_duration")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]uint64{}
	for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
		op, _ := dp.Attributes.Value("operation")
		calls[op.AsString()] = dp.Count
	}
	if calls["heartbeat"] != 3 || calls["add_counts"] != 1 || calls["merged_counts"] != 1 {
		t.Fatalf("call durations recorded %v", calls)
	}
	m, err = tt.GetMetric("otelcol_extension_sampling_state_errors")
	if err != nil {
		t.Fatal(err)
	}
	errs := m.Data.(metricdata.Sum[int64]).DataPoints
	if len(errs) != 1 || errs[0].Value != 1 || !errs[0].Attributes.HasValue("operation") {
		t.Fatalf("errors %+v, want one merged_counts error", errs)
	}
	if op, _ := errs[0].Attributes.Value("operation"); op != attribute.StringValue("merged_counts") {
		t.Fatalf("error counted for %v", op)
	}
	m, err = tt.GetMetric("otelcol_extension_sampling_state_replicas")
	if err != nil {
		t.Fatal(err)
	}
	live := m.Data.(metricdata.Gauge[int64]).DataPoints
	if g, _ := live[0].Attributes.Value("group"); len(live) != 1 || live[0].Value != 3 || g.AsString() != "adaptive_sampling/traces" {
		t.Fatalf("replicas %+v", live)
	}
}
