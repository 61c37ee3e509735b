package tokens

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTenant(t *testing.T) {
	s, err := Parse([]byte("tokens:\n  - {tenant: acme, token: aaaaaaaaaaaaaaaa1}\n  - {tenant: globex, token: aaaaaaaaaaaaaaaa2}\n  - {tenant: acme, token: bbbbbbbbbbbbbbbb}\n"))
	require.NoError(t, err)
	assert.Equal(t, 3, s.Len())
	for tok, want := range map[string]string{"aaaaaaaaaaaaaaaa1": "acme", "aaaaaaaaaaaaaaaa2": "globex", "bbbbbbbbbbbbbbbb": "acme"} {
		got, ok := s.Tenant([]byte(tok))
		assert.True(t, ok)
		assert.Equal(t, want, got)
	}
	for _, tok := range []string{"", "aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa12", "AAAAAAAAAAAAAAAA1"} {
		_, ok := s.Tenant([]byte(tok))
		assert.False(t, ok, tok)
	}
}

func TestParseRejects(t *testing.T) {
	for in, want := range map[string]string{
		"tokens: []\n": "tokens: no token given",
		"tokens:\n  - {tenant: '', token: aaaaaaaaaaaaaaaa}\n":     "tokens[0].tenant: must not be empty",
		"tokens:\n  - {tenant: a, token: 'aaaa aaaaaaaaaaaaaa'}\n": `tokens[0].token (tenant "a"): must not contain white space`,
		"- not a map\n": "not a tokens file",
	} {
		_, err := Parse([]byte(in))
		assert.ErrorContains(t, err, want, in)
	}
}

func BenchmarkTenant(b *testing.B) {
	in := "tokens:\n"
	for i := range 100 {
		in += "  - {tenant: t" + string(rune('a'+i%26)) + ", token: tokentokentoken" + string(rune('A'+i%26)) + string(rune('a'+i/26)) + "}\n"
	}
	s, err := Parse([]byte(in))
	require.NoError(b, err)
	tok := []byte("tokentokentokenZd")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, ok := s.Tenant(tok); !ok {
			b.Fatal("not found")
		}
	}
}
