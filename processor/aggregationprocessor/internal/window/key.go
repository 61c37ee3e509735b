package window

import (
	"math"
	"math/bits"

	"github.com/cespare/xxhash/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Key identifies a series (or a group of series). It is 128 bits wide: the
// attribute set is hashed as a multiset (independent of attribute order)
// in two differently mixed lanes. Keys are deterministic across processes,
// so checkpoints can store them.
type Key [2]uint64

func mix1(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func mix2(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// With returns the key of k extended (order-dependently) by v.
func (k Key) With(v uint64) Key {
	return Key{mix1(bits.RotateLeft64(k[0], 17) ^ v), mix2(bits.RotateLeft64(k[1], 29) + v)}
}

// WithString extends k by a string.
func (k Key) WithString(s string) Key { return k.With(xxhash.Sum64String(s) ^ uint64(len(s))) }

// WithKey extends k by another key.
func (k Key) WithKey(o Key) Key { return k.With(o[0]).With(o[1]) }

// Reducer keeps (group_by) or drops (without) attribute keys.
type Reducer struct {
	keys []string
	keep bool
}

// NewReducer returns a reducer keeping only groupBy when it is non-empty,
// otherwise dropping without (which may be empty: keep everything).
func NewReducer(groupBy, without []string) Reducer {
	if len(groupBy) > 0 {
		return Reducer{keys: groupBy, keep: true}
	}
	return Reducer{keys: without}
}

// Keeps reports whether attribute k survives the reduction.
func (r *Reducer) Keeps(k string) bool {
	for _, s := range r.keys {
		if s == k {
			return r.keep
		}
	}
	return !r.keep
}

// Hash returns the key of the reduced attribute set of m.
func (r *Reducer) Hash(m pcommon.Map) Key {
	var a, b uint64
	n := uint64(0)
	for k, v := range m.All() {
		if !r.Keeps(k) {
			continue
		}
		h := xxhash.Sum64String(k)*0x9e3779b97f4a7c15 ^ valueHash(v)
		a += mix1(h)
		b += mix2(h ^ 0x5bd1e995)
		n++
	}
	return Key{a ^ n, b + n}
}

func valueHash(v pcommon.Value) uint64 {
	t := uint64(v.Type()) << 56
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return xxhash.Sum64String(v.Str()) ^ t
	case pcommon.ValueTypeInt:
		return mix2(uint64(v.Int())) ^ t
	case pcommon.ValueTypeDouble:
		return mix2(math.Float64bits(v.Double())) ^ t
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return t | 1
		}
		return t
	case pcommon.ValueTypeBytes:
		return xxhash.Sum64(v.Bytes().AsRaw()) ^ t
	case pcommon.ValueTypeEmpty:
		return t
	default:
		return xxhash.Sum64String(v.AsString()) ^ t
	}
}
