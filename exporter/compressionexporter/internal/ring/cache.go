package ring // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/ring"

import (
	"math/bits"
	"sync/atomic"
)

// CacheMinEndpoints is the ring size from which a Cache pays: ranking a key
// costs one hash mix per endpoint, a cache hit one load.
const CacheMinEndpoints = 16

// Cache remembers the primary endpoint (Pick's primary) of recently seen
// key hashes for one ring. It is bounded, direct-mapped and lock-free: slot
// k mod size holds the key's remaining high bits and the endpoint, so a hit
// is exact (the whole key is compared) and a collision only evicts. A
// ring's choice never changes, so an entry never goes stale; a new endpoint
// set gets a new ring and a new cache.
type Cache struct {
	r     *Ring
	mask  uint64
	slots []atomic.Uint64
}

// NewCache returns a cache of at least slots entries (rounded up to a power
// of two) over r, or nil when r is too small to gain from one or too large
// for an endpoint index to fit in a slot's low bits.
func NewCache(r *Ring, slots int) *Cache {
	size := uint64(1) << bits.Len(uint(max(slots, 2)-1))
	if r.Len() < CacheMinEndpoints || uint64(r.Len()) >= size {
		return nil
	}
	return &Cache{r: r, mask: size - 1, slots: make([]atomic.Uint64, size)}
}

// Primary returns Pick(k, nil)'s primary: the key's highest-ranked endpoint.
// A slot holds k's bits above the mask and index+1 in the bits below it
// (zero is an empty slot).
func (c *Cache) Primary(k uint64) int {
	s := &c.slots[k&c.mask]
	if v := s.Load(); v != 0 && v&^c.mask == k&^c.mask {
		return int(v&c.mask) - 1
	}
	p, _ := c.r.Pick(k, nil)
	s.Store(k&^c.mask | uint64(p+1))
	return p
}
