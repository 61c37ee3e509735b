package loadgen

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// WideAttributes adds exactly that many attributes to every span, with
// values that differ from span to span, reproducibly; without it the data
// is what it always was.
func TestWideAttributes(t *testing.T) {
	narrow := New(DefaultConfig()).Traces(20)
	cfg := DefaultConfig()
	cfg.WideAttributes = 24
	wide := New(cfg).Traces(20)
	require.Equal(t, narrow.SpanCount(), wide.SpanCount())
	m := ptrace.ProtoMarshaler{}
	a, err := m.MarshalTraces(New(cfg).Traces(20))
	require.NoError(t, err)
	b, err := m.MarshalTraces(wide)
	require.NoError(t, err)
	require.Equal(t, a, b, "same config, same data")

	urls := map[string]bool{}
	long := 0
	nSpans := 0
	for i, rs := range wide.ResourceSpans().All() {
		for j, ss := range rs.ScopeSpans().All() {
			for k, s := range ss.Spans().All() {
				nSpans++
				plain := narrow.ResourceSpans().At(i).ScopeSpans().At(j).Spans().At(k)
				// Keys the span already had keep their place in front.
				assert.Equal(t, plain.Attributes().Len()+24-overlap(plain), s.Attributes().Len())
				if v, ok := s.Attributes().Get("app.payload"); ok && len(v.Str()) >= 256 {
					long++
				}
				if v, ok := s.Attributes().Get("app.referrer"); ok {
					urls[v.Str()] = true
				}
				_, ok := s.Attributes().Get("app.attr.20")
				assert.True(t, ok, "keys beyond the named ones")
			}
		}
	}
	assert.Equal(t, nSpans, long, "every span carries a long string")
	assert.Len(t, urls, nSpans, "every span's URL is its own")

	cfg.WideAttributes = 1000
	assert.Equal(t, maxWideAttributes, New(cfg).Config().WideAttributes)
}

// overlap counts the wide keys a span already had (url.full on HTTP client
// spans): PutStr replaces them.
func overlap(s ptrace.Span) int {
	n := 0
	for _, k := range wideKeys {
		if _, ok := s.Attributes().Get(k); ok {
			n++
		}
	}
	return n
}
