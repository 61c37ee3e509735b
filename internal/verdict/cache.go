package verdict

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

// shards is the number of independently locked parts of a Cache: enough that
// goroutines on different cores rarely meet on one lock.
const shards = 16

// MaxKeyLen is the longest key a Cache stores. Longer keys are decided
// every time they are seen, so huge keys cannot hold memory either.
const MaxKeyLen = 256

// Cache maps keys to verdicts of type V. Each shard holds two generations of
// at most size/shards entries: when the current one is full it becomes the
// old one and the old one is dropped (its entries count as evictions); a hit
// in the old generation moves the key to the current one. So a Cache never
// holds more than 2×size keys, keys in use stay, and a stream of unique keys
// costs one map insert each. It is safe for concurrent use.
type Cache[V any] struct {
	seed      maphash.Seed
	perShard  int
	evictions atomic.Int64
	shards    [shards]shard[V]
}

type shard[V any] struct {
	mu       sync.RWMutex
	cur, old map[string]V
	_        [40]byte // keeps neighbouring shards' locks off one cache line
}

// NewCache returns a Cache of about size keys (at least one per shard).
func NewCache[V any](size int) *Cache[V] {
	c := &Cache[V]{seed: maphash.MakeSeed(), perShard: max(size/shards, 1)}
	for i := range c.shards {
		c.shards[i].cur = make(map[string]V, c.perShard)
	}
	return c
}

func (c *Cache[V]) shard(key string) *shard[V] {
	return &c.shards[maphash.String(c.seed, key)%shards]
}

// Get returns the verdict stored for key.
func (c *Cache[V]) Get(key string) (V, bool) {
	s := c.shard(key)
	s.mu.RLock()
	v, ok := s.cur[key]
	if ok {
		s.mu.RUnlock()
		return v, true
	}
	v, ok = s.old[key]
	s.mu.RUnlock()
	if ok {
		s.mu.Lock()
		c.put(s, key, v)
		s.mu.Unlock()
	}
	return v, ok
}

// Put stores the verdict for key; keys longer than MaxKeyLen are not stored.
func (c *Cache[V]) Put(key string, v V) {
	if len(key) > MaxKeyLen {
		return
	}
	s := c.shard(key)
	s.mu.Lock()
	c.put(s, strings.Clone(key), v)
	s.mu.Unlock()
}

func (c *Cache[V]) put(s *shard[V], key string, v V) {
	if _, ok := s.cur[key]; !ok && len(s.cur) >= c.perShard {
		c.evictions.Add(int64(len(s.old)))
		s.old, s.cur = s.cur, make(map[string]V, c.perShard)
	}
	s.cur[key] = v
}

// Decide returns the verdict for key, computing it with decide on a miss.
func (c *Cache[V]) Decide(key string, decide func(string) V) V {
	if v, ok := c.Get(key); ok {
		return v
	}
	v := decide(key)
	c.Put(key, v)
	return v
}

// Len is the number of keys held (both generations; a key can be in both
// for a moment after it moved).
func (c *Cache[V]) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.cur) + len(s.old)
		s.mu.RUnlock()
	}
	return n
}

// Evictions is the number of keys dropped so far to stay within the bound.
func (c *Cache[V]) Evictions() int64 { return c.evictions.Load() }
