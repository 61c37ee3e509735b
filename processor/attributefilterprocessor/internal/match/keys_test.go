package match

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

var keyWords = []string{"api", "key", "token", "user", ".", "id", "secret", "_", "-", "Token", "KEY"}

func randomWord(r *rand.Rand) string { return keyWords[r.IntN(len(keyWords))] }

// Property: over random key lists (exact keys, globs, regular expressions)
// and random keys, Keys.Match, with its verdict cache and literal forms,
// answers what the patterns say uncached, on the first and on later sightings.
func TestKeysMatchEqualsUncached(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for range 500 {
		var globs, exprs []string
		for range r.IntN(4) {
			g := randomWord(r) + randomWord(r)
			switch r.IntN(3) {
			case 0:
				g = "*" + g
			case 1:
				g = g + "*"
			}
			globs = append(globs, g)
		}
		for range 1 + r.IntN(2) {
			e := "(" + regexp.QuoteMeta(randomWord(r)) + "|" + regexp.QuoteMeta(randomWord(r)) + ")s?"
			if r.IntN(2) == 0 {
				e = "(?i)" + e
			}
			if r.IntN(2) == 0 {
				e += "$"
			}
			if r.IntN(4) == 0 {
				e = "^" + e + `\d*`
			}
			exprs = append(exprs, e)
		}
		k, _, err := NewKeys(globs, exprs)
		if err != nil {
			t.Fatal(err)
		}
		uncached := func(key string) bool {
			for _, g := range globs {
				if !strings.ContainsAny(g, "*?") && g == key || globMatch(g, key) {
					return true
				}
			}
			for _, e := range exprs {
				if regexp.MustCompile(e).MatchString(key) {
					return true
				}
			}
			return false
		}
		keys := make([]string, 20)
		for i := range keys {
			keys[i] = randomWord(r) + randomWord(r) + randomWord(r)[:1]
			if r.IntN(3) == 0 {
				keys[i] = randomWord(r) + randomWord(r)
			}
		}
		for pass := range 2 {
			for _, key := range keys {
				if got, want := k.Match(key), uncached(key); got != want {
					t.Fatalf("globs %q regexes %q key %q pass %d: Match %v, uncached %v", globs, exprs, key, pass, got, want)
				}
			}
		}
	}
}
