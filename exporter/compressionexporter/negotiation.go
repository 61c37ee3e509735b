package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"slices"
	"sync"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
)

// negotiation tracks which allowed codecs an endpoint accepts. A codec the
// server rejected is not sent to that endpoint again until restart; the
// identity coding is always the last resort, so a request is never lost to
// a codec mismatch.
type negotiation struct {
	order    []string // allowed codecs in fallback order, "none" last
	mu       sync.RWMutex
	rejected map[string]bool
}

func newNegotiation(allowed []string) *negotiation {
	order := slices.DeleteFunc(slices.Clone(allowed), func(c string) bool { return c == codec.None })
	order = append(order, codec.None)
	return &negotiation{order: order, rejected: map[string]bool{}}
}

// usable reports whether the codec is allowed and not rejected.
func (n *negotiation) usable(c string) bool {
	if !slices.Contains(n.order, c) {
		return false
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	return !n.rejected[c]
}

// resolve returns c if usable, else the next usable codec after it.
func (n *negotiation) resolve(c string) string {
	if n.usable(c) {
		return c
	}
	return n.next(c)
}

// next returns the first usable codec after c in the fallback order,
// wrapping around, and "none" when no other codec is left.
func (n *negotiation) next(c string) string {
	i := slices.Index(n.order, c)
	for k := 1; k < len(n.order); k++ {
		cand := n.order[(i+k+len(n.order))%len(n.order)]
		if cand != c && cand != codec.None && n.usable(cand) {
			return cand
		}
	}
	return codec.None
}

// reject marks c as unsupported by the endpoint; first is true the first
// time, so the caller logs it once.
func (n *negotiation) reject(c string) (first bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	first = !n.rejected[c]
	n.rejected[c] = true
	return first
}

// negotiations holds one negotiation per endpoint, shared by the traces,
// metrics and logs exporters that send there.
var negotiations = struct {
	sync.Mutex
	m map[string]*negotiation
}{m: map[string]*negotiation{}}

func negotiationFor(key string, allowed []string) *negotiation {
	negotiations.Lock()
	defer negotiations.Unlock()
	if n, ok := negotiations.m[key]; ok && slices.Equal(n.order, newNegotiation(allowed).order) {
		return n
	}
	n := newNegotiation(allowed)
	negotiations.m[key] = n
	return n
}
