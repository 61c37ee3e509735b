package keyring // import "github.com/otelgate/otelgate/extension/keyringextension/keyring"

import (
	"errors"
	"fmt"
	"slices"
)

// Ring is an immutable set of keys with one active key. The active key
// encrypts; every key decrypts. Changing a ring means building a new one.
type Ring struct {
	keys   map[string]*Key
	order  []string
	active *Key
}

// NewRing builds a ring of keys with the key named active as the active one.
func NewRing(keys []*Key, active string) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("key ring has no keys")
	}
	r := &Ring{keys: make(map[string]*Key, len(keys))}
	for _, k := range keys {
		if _, dup := r.keys[k.id]; dup {
			return nil, fmt.Errorf("key id %q appears twice", k.id)
		}
		r.keys[k.id] = k
		r.order = append(r.order, k.id)
	}
	if active == "" {
		return nil, errors.New("active: no active key id")
	}
	a, ok := r.keys[active]
	if !ok {
		return nil, fmt.Errorf("active: key id %q is not in the ring", active)
	}
	r.active = a
	return r, nil
}

// Active returns the key that encrypts.
func (r *Ring) Active() *Key { return r.active }

// Lookup returns the key of that ID.
func (r *Ring) Lookup(id string) (*Key, bool) {
	k, ok := r.keys[id]
	return k, ok
}

// IDs returns the key IDs in the order they were given.
func (r *Ring) IDs() []string { return slices.Clone(r.order) }

// Keys returns the keys in the order they were given.
func (r *Ring) Keys() []*Key {
	out := make([]*Key, 0, len(r.order))
	for _, id := range r.order {
		out = append(out, r.keys[id])
	}
	return out
}
