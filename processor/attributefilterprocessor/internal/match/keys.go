package match

import (
	"strings"

	"github.com/otelgate/otelgate/internal/verdict"
)

// CacheSize is the number of pattern verdicts a Keys remembers (the bound
// is twice that, see verdict.Cache).
const CacheSize = 4096

// Keys tests attribute keys against a list of globs and regular expressions.
// Exact keys are found through two filters: a bit per key length (no read of
// the key's bytes), then a 256-bit filter on a hash of the length, first byte
// and last byte. A key no exact entry shares that triple with costs a few
// arithmetic operations and bit tests, no string compare.
//
// Globs and regular expressions decide a key once: the verdict goes into a
// bounded cache. Regular expressions whose language is a small set of
// literals run as string checks (see verdict.Compile).
type Keys struct {
	exact    exactSet
	globs    []func(string) bool
	regexes  []*verdict.Regexp
	patterns bool // some glob or regex: every key needs the full test
	cache    *verdict.Cache[bool]
	// last, when lastKnown is set, holds every byte a key some glob or
	// regex matches can end with (all patterns are anchored at the end):
	// a key ending in another ASCII byte matches none, without a lookup.
	last      [256]bool
	lastKnown bool
}

// exactSet is a set of exact keys. bits has bit keyHash(k) set for every key
// k; slots holds the keys by that hash, so a set bit is confirmed by
// comparing the key with the few (usually one) keys of its slot.
type exactSet struct {
	lengths uint64 // bit n set: some key has length n; bit 63: some key is 63 bytes or longer
	bits    [4]uint64
	slots   [256][]string
	list    []string // the keys, in configuration order, without duplicates
}

// keyHash mixes a key's length, first byte and last byte into 8 bits.
func keyHash(s string) uint8 {
	n := uint(len(s))
	if n == 0 {
		return 0
	}
	return uint8((n*0x9e ^ uint(s[0])*0x3b ^ uint(s[n-1])*0x6d) >> 2)
}

func (e *exactSet) add(key string) {
	if e.has(key) {
		return
	}
	h := keyHash(key)
	e.lengths |= 1 << min(len(key), 63)
	e.bits[h>>6] |= 1 << (h & 63)
	e.slots[h] = append(e.slots[h], key)
	e.list = append(e.list, key)
}

// has reports whether key is in the set.
func (e *exactSet) has(key string) bool {
	return e.mayHave(key) && e.inSlot(keyHash(key), key)
}

// mayHave is the filter alone: false means key is not in the set. The
// length is tested first: it needs no read of the key's bytes.
func (e *exactSet) mayHave(key string) bool {
	if e.lengths&(1<<min(uint(len(key)), 63)) == 0 {
		return false
	}
	h := keyHash(key)
	return e.bits[h>>6]&(1<<(h&63)) != 0
}

func (e *exactSet) inSlot(h uint8, key string) bool {
	for _, k := range e.slots[h] {
		if k == key {
			return true
		}
	}
	return false
}

// NewKeys compiles globs and regular expressions into a key test. It fails
// with the index of the first bad regular expression.
func NewKeys(globs, regexes []string) (*Keys, int, error) {
	k := &Keys{}
	for _, g := range globs {
		if !strings.ContainsAny(g, "*?") {
			k.exact.add(g)
			continue
		}
		k.globs = append(k.globs, CompileGlob(g))
	}
	for i, r := range regexes {
		re, err := verdict.Compile(r)
		if err != nil {
			return nil, i, err
		}
		k.regexes = append(k.regexes, re)
	}
	k.patterns = len(k.globs) > 0 || len(k.regexes) > 0
	k.lastKnown = k.patterns
	for _, g := range globs {
		if strings.ContainsAny(g, "*?") {
			c := g[len(g)-1]
			if c == '*' || c == '?' {
				k.lastKnown = false
			}
			k.last[c] = true
		}
	}
	for _, re := range k.regexes {
		if !re.LastBytes(&k.last) {
			k.lastKnown = false
		}
	}
	if k.patterns {
		k.cache = verdict.NewCache[bool](CacheSize)
	}
	return k, -1, nil
}

// ExactOnly reports whether the list holds exact keys only (no glob, no
// regular expression): MatchExact then answers Match.
func (k *Keys) ExactOnly() bool { return !k.patterns }

// Exact returns the exact keys when the list holds nothing else (no glob, no
// regular expression), else nil.
func (k *Keys) Exact() []string {
	if k.patterns {
		return nil
	}
	return k.exact.list
}

// Empty reports whether the list has no entries.
func (k *Keys) Empty() bool {
	return len(k.exact.list) == 0 && len(k.globs) == 0 && len(k.regexes) == 0
}

// MaybeExact is the inlinable filter of MatchExact: false means key is not
// one of the list's exact keys; true must be confirmed by MatchExact.
func (k *Keys) MaybeExact(key string) bool { return k.exact.mayHave(key) }

// MatchExact reports whether key is one of the list's exact keys.
func (k *Keys) MatchExact(key string) bool { return k.exact.has(key) }

// Match reports whether key is in the list.
func (k *Keys) Match(key string) bool {
	if k.exact.has(key) {
		return true
	}
	if !k.patterns {
		return false
	}
	if k.lastKnown && len(key) > 0 {
		if c := key[len(key)-1]; c < 0x80 && !k.last[c] {
			return false
		}
	}
	return k.cache.Decide(key, k.matchPatterns)
}

// Evictions is the number of verdicts the cache dropped to stay bounded.
func (k *Keys) Evictions() int64 {
	if k.cache == nil {
		return 0
	}
	return k.cache.Evictions()
}

// matchPatterns tests key against the globs and regular expressions.
func (k *Keys) matchPatterns(key string) bool {
	for _, g := range k.globs {
		if g(key) {
			return true
		}
	}
	for _, re := range k.regexes {
		if re.MatchString(key) {
			return true
		}
	}
	return false
}
