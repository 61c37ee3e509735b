package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// Sample keeps copies of recent requests for the trials, within a byte
// budget, dropping the oldest. After each Take it first takes every request
// until it holds minBytes, so that even light traffic gives each evaluation
// something to judge by; beyond that floor, each request is taken with
// probability share regardless of its size, so in expectation the sample
// holds share of the bytes and the traffic's mix of small and large
// requests. Requests are taken whole, as the send path compresses them: a
// codec with a long window finds matches across a whole request that a
// prefix does not have, so trials on prefixes misjudge the codecs against
// each other. Only a request larger than the budget contributes a prefix.
type Sample struct {
	paused   atomic.Bool
	mu       sync.Mutex
	share    float64
	minBytes int
	maxBytes int
	rnd      *rand.Rand
	entries  [][]byte
	bytes    int
}

// NewSample keeps at least minBytes of the requests offered between two
// Takes, then about share of them, at most maxBytes in total.
func NewSample(share float64, minBytes, maxBytes int) *Sample {
	return &Sample{share: share, minBytes: min(minBytes, maxBytes), maxBytes: maxBytes, rnd: rand.New(rand.NewPCG(0x5eed, 0xc0de))}
}

// Offer considers one request for the sample.
func (s *Sample) Offer(raw []byte) {
	if len(raw) == 0 || s.paused.Load() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.bytes < s.minBytes, s.share > 0 && s.rnd.Float64() < s.share:
		raw = raw[:min(len(raw), s.maxBytes)]
	default:
		return
	}
	s.entries = append(s.entries, append([]byte(nil), raw...))
	s.bytes += len(raw)
	for s.bytes > s.maxBytes {
		s.bytes -= len(s.entries[0])
		s.entries[0] = nil
		s.entries = s.entries[1:]
	}
}

// SetActive resumes (true) or pauses (false) sampling; a paused Sample
// ignores what it is offered.
func (s *Sample) SetActive(active bool) { s.paused.Store(!active) }

// Take returns the sampled requests and empties the sample.
func (s *Sample) Take() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.entries
	s.entries, s.bytes = nil, 0
	return out
}
