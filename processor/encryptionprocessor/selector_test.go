package encryptionprocessor

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

// A flood of unique keys through glob and regex rules: every selection
// equals the rules' uncached answer on first and later sightings, and the
// selector's cache stays bounded with its evictions counted.
func TestSelectorCacheUnderUniqueKeys(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Attributes = []AttributeConfig{
		{Key: "user.email"},
		{Key: "*.secret", MatchType: MatchGlob},
		{Key: `(?i)(api[_-]?key|token)`, MatchType: MatchRegex, Algorithm: "aes256siv"},
	}
	s := newSelector(cfg)
	secret := regexp.MustCompile(`^.*\.secret$`)
	token := regexp.MustCompile(`^(?:(?i)(api[_-]?key|token))$`)
	def, _ := keyring.ParseAlgorithm(cfg.Algorithm)
	want := func(k string) (keyring.Algorithm, bool) {
		switch {
		case k == "user.email", secret.MatchString(k):
			return def, true
		case token.MatchString(k):
			return keyring.AES256SIV, true
		}
		return 0, false
	}
	const n = 30_000
	for pass := range 2 {
		for i := range n {
			k := []string{"k" + strconv.Itoa(i), "k" + strconv.Itoa(i) + ".secret", "TOKEN", "api-Key", "user.email", "token" + strconv.Itoa(i)}[i%6]
			alg, ok := s.match(codec.LevelRecord, k)
			wantAlg, wantOK := want(k)
			if ok != wantOK || ok && alg != wantAlg {
				t.Fatalf("pass %d key %q: got (%v, %v), want (%v, %v)", pass, k, alg, ok, wantAlg, wantOK)
			}
		}
	}
	if l := s.cache[codec.LevelRecord].Len(); l > 2*maxCachedKeys {
		t.Fatalf("record-level cache holds %d keys, bound %d", l, 2*maxCachedKeys)
	}
	if s.evictions() == 0 {
		t.Fatal("no evictions counted after a flood of unique keys")
	}
}
