package ring

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("10.0.%d.%d:4317", i/250, i%250)
	}
	return out
}

func traceIDs(n int, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, seed^0xabcdef))
	out := make([][]byte, n)
	for i := range out {
		id := make([]byte, 16)
		for j := 0; j < 16; j += 8 {
			v := rng.Uint64()
			for b := 0; b < 8; b++ {
				id[j+b] = byte(v >> (8 * b))
			}
		}
		out[i] = id
	}
	return out
}

// TestBalance: max/min keys per endpoint over random trace IDs is at most
// 1.15. An ideal random assignment of 100k keys to 100 endpoints has a
// binomial spread (mean 1000, sd 31.5) whose max/min is about 1.17, so no
// per-key hash can promise 1.15 there; at 100 endpoints the bound is
// checked over 1M keys (mean 10000 per endpoint), and 100k keys are held
// to the binomial bound 1.30.
func TestBalance(t *testing.T) {
	for _, tc := range []struct {
		endpoints, keys int
		bound           float64
	}{
		{3, 100_000, 1.15},
		{10, 100_000, 1.15},
		{100, 100_000, 1.30},
		{100, 1_000_000, 1.15},
	} {
		t.Run(fmt.Sprintf("%d_endpoints_%d_keys", tc.endpoints, tc.keys), func(t *testing.T) {
			if tc.keys > 100_000 && testing.Short() {
				t.Skip("short")
			}
			r := New(names(tc.endpoints))
			load := make([]int, tc.endpoints)
			for _, id := range traceIDs(tc.keys, uint64(tc.endpoints)) {
				c, _ := r.Pick(KeyHash(id), nil)
				load[c]++
			}
			ratio := float64(slices.Max(load)) / float64(slices.Min(load))
			t.Logf("max/min = %d/%d = %.3f", slices.Max(load), slices.Min(load), ratio)
			assert.LessOrEqual(t, ratio, tc.bound)
		})
	}
}

// TestOrderIndependent: the choice depends on the set, not the order given.
func TestOrderIndependent(t *testing.T) {
	ns := names(10)
	shuffled := slices.Clone(ns)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	a, b := New(ns), New(shuffled)
	for _, id := range traceIDs(1000, 7) {
		k := KeyHash(id)
		ca, _ := a.Pick(k, nil)
		cb, _ := b.Pick(k, nil)
		assert.Equal(t, a.Names()[ca], b.Names()[cb])
	}
}

// TestMovement: when one endpoint joins N, exactly the keys the newcomer
// wins move (all to it), and their share is 1/(N+1) within ±10% relative;
// when one leaves, only its keys move.
func TestMovement(t *testing.T) {
	const keys = 100_000
	for _, n := range []int{3, 10, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			all := names(n + 1)
			before, after := New(all[:n]), New(all)
			moved := 0
			for _, id := range traceIDs(keys, 11) {
				k := KeyHash(id)
				cb, _ := before.Pick(k, nil)
				ca, _ := after.Pick(k, nil)
				was, is := before.Names()[cb], after.Names()[ca]
				if was != is {
					moved++
					require.Equal(t, all[n], is, "a key moved to an endpoint other than the new one")
				}
			}
			share := float64(moved) / keys
			assert.InDelta(t, 1/float64(n+1), share, 0.1/float64(n+1), "share moved on join")

			// Leave: remove endpoint 0 of the n+1.
			left := New(all[1:])
			moved = 0
			for _, id := range traceIDs(keys, 13) {
				k := KeyHash(id)
				ca, _ := after.Pick(k, nil)
				cl, _ := left.Pick(k, nil)
				was, is := after.Names()[ca], left.Names()[cl]
				if was != is {
					moved++
					require.Equal(t, all[0], was, "a key moved that the leaving endpoint did not hold")
				}
			}
			share = float64(moved) / keys
			assert.InDelta(t, 1/float64(n+1), share, 0.1/float64(n+1), "share moved on leave")
		})
	}
}

// TestPickSkipsUnusable: the fallback is the next endpoint in the key's
// order, the same one Order lists second.
func TestPickSkipsUnusable(t *testing.T) {
	r := New(names(5))
	for _, id := range traceIDs(200, 3) {
		k := KeyHash(id)
		order := r.Order(k)
		c, p := r.Pick(k, nil)
		require.Equal(t, order[0], c)
		require.Equal(t, order[0], p)
		down := order[0]
		c, p = r.Pick(k, func(i int) bool { return i != down })
		assert.Equal(t, order[1], c)
		assert.Equal(t, order[0], p)
		c, _ = r.Pick(k, func(int) bool { return false })
		assert.Equal(t, order[0], c, "none usable: the first")
	}
	c, p := New(nil).Pick(1, nil)
	assert.Equal(t, -1, c)
	assert.Equal(t, -1, p)
}

func BenchmarkPick(b *testing.B) {
	for _, n := range []int{1, 3, 10, 100} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := New(names(n))
			ids := traceIDs(1024, 1)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r.Pick(KeyHash(ids[i%len(ids)]), nil)
			}
		})
	}
}
