package ring // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/ring"

import (
	"slices"

	"github.com/cespare/xxhash/v2"
)

// Ring is an immutable set of endpoints.
type Ring struct {
	names  []string
	hashes []uint64
}

// New returns a ring over the given endpoint names; duplicates are dropped.
func New(names []string) *Ring {
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	r := &Ring{names: sorted, hashes: make([]uint64, len(sorted))}
	for i, n := range sorted {
		r.hashes[i] = xxhash.Sum64String(n)
	}
	return r
}

// Len is the number of endpoints.
func (r *Ring) Len() int { return len(r.names) }

// Names returns the endpoints in sorted order; the caller must not modify it.
func (r *Ring) Names() []string { return r.names }

// KeyHash hashes a routing key; the whole key is hashed.
func KeyHash(key []byte) uint64 { return xxhash.Sum64(key) }

// score is the weight of endpoint hash e for key hash k: a full 64-bit
// mix of both, so the ranking of endpoints is a random permutation per key.
func score(k, e uint64) uint64 {
	x := k ^ (e * 0x9e3779b97f4a7c15)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Pick returns the index (into Names) of the highest-ranked endpoint for
// key hash k for which ok returns true, and the index of the highest-ranked
// endpoint overall (the key's primary). When ok is nil or no endpoint
// passes, both are the primary. Both are -1 for an empty ring.
func (r *Ring) Pick(k uint64, ok func(i int) bool) (chosen, primary int) {
	best, bestOK := -1, -1
	var bestScore, bestOKScore uint64
	for i, e := range r.hashes {
		s := score(k, e)
		if best < 0 || s > bestScore {
			best, bestScore = i, s
		}
		if ok != nil && (bestOK < 0 || s > bestOKScore) && ok(i) {
			bestOK, bestOKScore = i, s
		}
	}
	if ok == nil || bestOK < 0 {
		return best, best
	}
	return bestOK, best
}

// Order returns every endpoint index ranked for key hash k, best first:
// the fallback order every replica computes the same way.
func (r *Ring) Order(k uint64) []int {
	idx := make([]int, len(r.hashes))
	scores := make([]uint64, len(r.hashes))
	for i, e := range r.hashes {
		idx[i], scores[i] = i, score(k, e)
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	return idx
}
