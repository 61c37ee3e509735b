package verdict

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

func TestCompileLiteralForms(t *testing.T) {
	for expr, literal := range map[string]bool{
		`(?i)(api[_-]?key|token|credentials?)$`: true,
		`^(?:user\.email)$`:                     true,
		`^http\.request\.header\.`:              true,
		`secret`:                                true,
		`(?i)^x-(auth|api)-`:                    true,
		`^user\..*$`:                            false,
		`\d+$`:                                  false,
		`(?m)token$`:                            false,
		`(?i)[k]ey`:                             false, // the class holds U+212A
	} {
		r, err := Compile(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if r.Literal() != literal {
			t.Errorf("%s: Literal() = %v, want %v", expr, r.Literal(), literal)
		}
	}
}

// The shipped deny_regex: every verdict equals RE2's, including keys whose
// case differs and keys holding the Kelvin sign, which (?i)k matches.
func TestCompileShippedDenyRegex(t *testing.T) {
	const expr = `(?i)(api[_-]?key|token|credentials?)$`
	r, _ := Compile(expr)
	re := regexp.MustCompile(expr)
	for _, k := range []string{
		"api_key", "x.API-KEY", "apikey", "api__key", "auth.token", "Token", "tokens", "credential", "aws.Credentials",
		"user.id", "", "api_\u212Aey", "credentialſ", "api-keyx", "http.route",
	} {
		if got, want := r.MatchString(k), re.MatchString(k); got != want {
			t.Errorf("%q: got %v, RE2 says %v", k, got, want)
		}
	}
}

var words = []string{"api", "key", "token", "a", "ab", "user", ".", "id", "secret", "x"}

func randomExpr(rnd *rand.Rand) string {
	var b strings.Builder
	if rnd.IntN(3) == 0 {
		b.WriteString("(?i)")
	}
	if rnd.IntN(2) == 0 {
		b.WriteString("^")
	}
	parts := 1 + rnd.IntN(3)
	for range parts {
		switch rnd.IntN(7) {
		case 0:
			b.WriteString("(")
			n := 1 + rnd.IntN(3)
			for i := range n {
				if i > 0 {
					b.WriteString("|")
				}
				b.WriteString(regexp.QuoteMeta(words[rnd.IntN(len(words))]))
			}
			b.WriteString(")")
		case 1:
			b.WriteString("[_-]?")
		case 2:
			b.WriteString(regexp.QuoteMeta(words[rnd.IntN(len(words))]) + "s?")
		case 3:
			b.WriteString([]string{".*", `\d+`, "[a-z]+", "[Kk]", "é", "(?-i:Key)"}[rnd.IntN(6)])
		default:
			b.WriteString(regexp.QuoteMeta(words[rnd.IntN(len(words))]))
		}
	}
	if rnd.IntN(2) == 0 {
		b.WriteString("$")
	}
	return b.String()
}

func randomKey(rnd *rand.Rand) string {
	var b strings.Builder
	n := rnd.IntN(4)
	for range n {
		switch rnd.IntN(6) {
		case 0:
			b.WriteString(strings.ToUpper(words[rnd.IntN(len(words))]))
		case 1:
			b.WriteString([]string{"_", "-", "1", "\u212A", "ſ", "é", "\xff", "K", "S"}[rnd.IntN(9)])
		default:
			b.WriteString(words[rnd.IntN(len(words))])
		}
	}
	return b.String()
}

// Property: over random expressions and keys, Compile's verdict equals
// RE2's, and a Cache in front of it returns the uncached verdict.
func TestCompileMatchesRE2(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	literal := 0
	for range 3000 {
		expr := randomExpr(rnd)
		r, err := Compile(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if r.Literal() {
			literal++
		}
		re := regexp.MustCompile(expr)
		cache := NewCache[bool](32)
		var last [256]bool
		lastKnown := r.LastBytes(&last)
		for range 60 {
			k := randomKey(rnd)
			want := re.MatchString(k)
			if got := r.MatchString(k); got != want {
				t.Fatalf("%s on %q: got %v, RE2 says %v", expr, k, got, want)
			}
			if lastKnown && want && k[len(k)-1] < 0x80 && !last[k[len(k)-1]] {
				t.Fatalf("%s on %q: RE2 matches, but LastBytes leaves out its last byte", expr, k)
			}
			if got := cache.Decide(k, r.MatchString); got != want {
				t.Fatalf("%s on %q: cached %v, RE2 says %v", expr, k, got, want)
			}
		}
	}
	// The generator must exercise the string checks, not only RE2.
	if literal < 1000 {
		t.Fatalf("only %d of 3000 expressions took the literal form", literal)
	}
}
