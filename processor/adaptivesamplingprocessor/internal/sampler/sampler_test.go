package sampler

import (
	"fmt"
	"math"
	"testing"
)

func kept(counts, probs map[string]float64) float64 {
	var k float64
	for name, c := range counts {
		k += c * probs[name]
	}
	return k
}

func TestAdaptivePercentageSkewed(t *testing.T) {
	counts := map[string]float64{"busy": 9500, "rare": 50, "other": 450}
	probs, fallback := AdaptivePercentage{Goal: 0.1}.Allocate(counts, 30)
	if got := kept(counts, probs); math.Abs(got-1000) > 1e-6 {
		t.Fatalf("kept %v spans, want 1000", got)
	}
	if probs["rare"] != 1 {
		t.Fatalf("rare key probability %v, want 1", probs["rare"])
	}
	if !(probs["busy"] < probs["other"] && probs["other"] < 1) {
		t.Fatalf("busier keys must get lower rates: %v", probs)
	}
	if fallback != 0.1 {
		t.Fatalf("fallback %v", fallback)
	}
}

func TestAdaptiveThroughputBudget(t *testing.T) {
	counts := map[string]float64{}
	for i := range 50 {
		counts[fmt.Sprint("k", i)] = float64((i + 1) * (i + 1) * 10)
	}
	probs, fallback := AdaptiveThroughput{GoalPerSecond: 100}.Allocate(counts, 10)
	if got := kept(counts, probs); math.Abs(got-1000) > 1e-6 {
		t.Fatalf("kept %v spans, want 1000", got)
	}
	for name, p := range probs {
		if p < 0 || p > 1 {
			t.Fatalf("%s: probability %v", name, p)
		}
	}
	if fallback <= 0 || fallback >= 1 {
		t.Fatalf("fallback %v", fallback)
	}
	// Under budget: everything is kept.
	probs, fallback = AdaptiveThroughput{GoalPerSecond: 1e6}.Allocate(counts, 10)
	for name, p := range probs {
		if p != 1 {
			t.Fatalf("%s: probability %v under budget", name, p)
		}
	}
	if fallback != 1 {
		t.Fatalf("fallback %v", fallback)
	}
}

func TestFixedSamplers(t *testing.T) {
	if (Always{}).Probability() != 1 || (Probabilistic{Percentage: 12.5}).Probability() != 0.125 {
		t.Fatal("fixed probabilities")
	}
}

func TestTableAdjustAndMaxKeys(t *testing.T) {
	tab, err := NewTable(AdaptivePercentage{Goal: 0.5}, 2, 0.5, 4)
	if err != nil {
		t.Fatal(err)
	}
	a, b := tab.Lookup([]byte("a")), tab.Lookup([]byte("b"))
	c := tab.Lookup([]byte("c"))
	if c.Name != OverflowKey || tab.Len() != 2 {
		t.Fatalf("third key %q, table %d keys", c.Name, tab.Len())
	}
	if r := tab.Observe(a); r.Probability != 0.5 {
		t.Fatalf("initial probability %v", r.Probability)
	}
	for range 99 {
		tab.Observe(a)
	}
	tab.Observe(b)
	tab.Observe(c)
	counts := tab.TakeCounts()
	if counts["a"] != 100 || counts["b"] != 1 || counts[OverflowKey] != 1 {
		t.Fatalf("counts %v", counts)
	}
	if err := tab.Adjust(counts, 1); err != nil {
		t.Fatal(err)
	}
	if tab.Rate(b).Probability != 1 || tab.Rate(a).Probability >= 0.5 {
		t.Fatalf("rates a=%v b=%v", tab.Rate(a).Probability, tab.Rate(b).Probability)
	}
	busiest := tab.Busiest(1)
	if len(busiest) != 1 || busiest[0].Key != "a" || busiest[0].Count != 100 {
		t.Fatalf("busiest %v", busiest)
	}
	// Keys that go quiet decay out of the table and free room.
	for range 10 {
		if err := tab.Adjust(map[string]int64{"a": 100}, 1); err != nil {
			t.Fatal(err)
		}
	}
	if tab.Len() != 1 {
		t.Fatalf("table has %d keys after b went quiet", tab.Len())
	}
	if k := tab.Lookup([]byte("d")); k.Name != "d" {
		t.Fatalf("freed room not reused: %q", k.Name)
	}
}

func TestTableEMA(t *testing.T) {
	tab, _ := NewTable(AdaptiveThroughput{GoalPerSecond: 10}, 10, 0.5, 4)
	_ = tab.Adjust(map[string]int64{"a": 100}, 1)
	_ = tab.Adjust(map[string]int64{"a": 150}, 1)
	if got := tab.Busiest(1)[0].Count; got != 125 {
		t.Fatalf("ema %v, want 125", got)
	}
	if p := tab.Busiest(1)[0].Probability; math.Abs(p-0.08) > 0.0001 {
		t.Fatalf("probability %v, want 0.08", p)
	}
	// A step of more than 2x restarts the average.
	_ = tab.Adjust(map[string]int64{"a": 1000}, 1)
	if got := tab.Busiest(1)[0].Count; got != 1000 {
		t.Fatalf("ema after step %v, want 1000", got)
	}
}

func BenchmarkTableObserve(b *testing.B) {
	tab, _ := NewTable(AdaptivePercentage{Goal: 0.1}, 1000, 0.5, 4)
	key := []byte("checkout|/api/v1/cart")
	b.ReportAllocs()
	for b.Loop() {
		tab.Observe(tab.Lookup(key))
	}
}

func BenchmarkAllocate1000Keys(b *testing.B) {
	counts := map[string]float64{}
	for i := range 1000 {
		counts[fmt.Sprint("k", i)] = float64(i*i + 1)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = AdaptivePercentage{Goal: 0.1}.Allocate(counts, 30)
	}
}
