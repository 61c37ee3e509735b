package verdict

import (
	"strconv"
	"strings"
	"sync"
	"testing"
)

// A flood of unique keys keeps the cache within twice its size, and every
// key beyond that is counted as evicted.
func TestCacheBoundedUnderUniqueKeys(t *testing.T) {
	const size = 1024
	c := NewCache[bool](size)
	const n = 200_000
	for i := range n {
		c.Put("key-"+strconv.Itoa(i), i%2 == 0)
		if l := c.Len(); i%10_000 == 0 && l > 2*size {
			t.Fatalf("after %d keys the cache holds %d, bound %d", i+1, l, 2*size)
		}
	}
	l := c.Len()
	if l > 2*size || l < size/2 {
		t.Fatalf("cache holds %d keys, want within [%d, %d]", l, size/2, 2*size)
	}
	if got := c.Evictions() + int64(l); got != n {
		t.Fatalf("evictions %d + held %d = %d, want %d (every key put)", c.Evictions(), l, got, n)
	}
}

// Keys in use survive a flood: a key read between floods moves to the
// current generation.
func TestCacheKeepsHotKeys(t *testing.T) {
	c := NewCache[int](shards * 8)
	c.Put("hot", 7)
	for i := range 10_000 {
		c.Put("cold-"+strconv.Itoa(i), i)
		if i%4 == 0 {
			if v, ok := c.Get("hot"); !ok || v != 7 {
				t.Fatalf("hot key lost after %d cold keys", i)
			}
		}
	}
}

func TestCacheLongKeysNotStored(t *testing.T) {
	c := NewCache[bool](64)
	long := strings.Repeat("k", MaxKeyLen+1)
	if got := c.Decide(long, func(string) bool { return true }); !got {
		t.Fatal("Decide must return the computed verdict")
	}
	if _, ok := c.Get(long); ok || c.Len() != 0 {
		t.Fatal("a key over MaxKeyLen was stored")
	}
}

func TestCacheConcurrent(t *testing.T) {
	c := NewCache[int](256)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20_000 {
				k := strconv.Itoa((i * (g + 1)) % 1000)
				want, _ := strconv.Atoi(k)
				if v := c.Decide(k, func(s string) int { n, _ := strconv.Atoi(s); return n }); v != want {
					t.Errorf("key %s: got %d", k, v)
					return
				}
			}
		}()
	}
	wg.Wait()
	if c.Len() > 512 {
		t.Fatalf("cache holds %d keys, bound 512", c.Len())
	}
}
