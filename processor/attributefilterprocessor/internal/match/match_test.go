package match

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func f64(v float64) *float64 { return &v }

func TestMatchers(t *testing.T) {
	re, err := Regex(`^5\d\d$`)
	require.NoError(t, err)
	cases := []struct {
		name string
		m    Matcher
		yes  []Value
		no   []Value
	}{
		{"exact", Exact("200"), []Value{Str("200"), Int(200), Double(200)}, []Value{Str("2000"), Int(201), Bool(true), Missing, Other()}},
		{"exact bool", Exact("true"), []Value{Str("true"), Bool(true)}, []Value{Bool(false), Int(1)}},
		{"set", Set([]string{"a", "7"}), []Value{Str("a"), Str("7"), Int(7)}, []Value{Str("b"), Int(8), Missing}},
		{"glob prefix", Glob("GET /health*"), []Value{Str("GET /health"), Str("GET /healthz")}, []Value{Str("POST /health"), Int(1)}},
		{"glob suffix", Glob("*.secret"), []Value{Str("db.secret")}, []Value{Str("secret.db")}},
		{"glob middle", Glob("a*z"), []Value{Str("az"), Str("abcz")}, []Value{Str("a"), Str("za")}},
		{"glob general", Glob("a?c*x*z"), []Value{Str("abcxz"), Str("abc12x34z")}, []Value{Str("acxz"), Str("abcz")}},
		{"glob on number", Glob("5*"), []Value{Int(503), Double(5.5)}, []Value{Int(403)}},
		{"regex", re, []Value{Str("503"), Int(500)}, []Value{Str("5000"), Int(404), Missing}},
		{"exists", Exists(), []Value{Str(""), Int(0), Other()}, []Value{Missing}},
		{"not exists", NotExists(), []Value{Missing}, []Value{Str(""), Other()}},
		{"numeric range", Numeric(Bounds{GE: f64(200), LT: f64(300)}), []Value{Int(200), Double(299.9), Str("250")}, []Value{Int(300), Int(199), Str("abc"), Str(""), Bool(true), Missing}},
		{"numeric gt le", Numeric(Bounds{GT: f64(1), LE: f64(2)}), []Value{Double(1.5), Int(2)}, []Value{Int(1), Double(2.1)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range tc.yes {
				assert.True(t, tc.m.Match(v), "%+v", v)
			}
			for _, v := range tc.no {
				assert.False(t, tc.m.Match(v), "%+v", v)
			}
		})
	}
}

// TestGlobAgreesWithRegexp cross-checks the glob matcher against an equivalent regexp.
func TestGlobAgreesWithRegexp(t *testing.T) {
	patterns := []string{"*", "a*", "*a", "a*b", "*a*", "a?b", "??", "a*b*c", "*ab*ab*", ""}
	inputs := []string{"", "a", "b", "ab", "aab", "abab", "acb", "abc", "axbxc", "abcab", "ba"}
	for _, p := range patterns {
		expr := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
		re := regexp.MustCompile(expr)
		test := CompileGlob(p)
		for _, s := range inputs {
			assert.Equal(t, re.MatchString(s), test(s), "glob %q on %q", p, s)
			assert.Equal(t, re.MatchString(s), globMatch(p, s), "globMatch %q on %q", p, s)
		}
	}
}

func TestParseField(t *testing.T) {
	f, err := ParseField(`resource.attributes["deployment.environment"]`)
	require.NoError(t, err)
	assert.Equal(t, Field{Source: SourceResource, Key: "deployment.environment", Kinds: KindsAll}, f)
	f, err = ParseField(`attributes["a \"quoted\" key"]`)
	require.NoError(t, err)
	assert.Equal(t, `a "quoted" key`, f.Key)
	f, err = ParseField("log.body")
	require.NoError(t, err)
	assert.Equal(t, OwnLogBody, f.Own)
	assert.Equal(t, KindLog, f.Kinds)
	for _, bad := range []string{"", "span", `attributes["x"`, `attributes[x]`, `attributes[""]`, `resource.attributes['x']`, "metric.unit"} {
		_, err := ParseField(bad)
		assert.Error(t, err, bad)
	}
}

func TestKeys(t *testing.T) {
	k, bad, err := NewKeys([]string{"password", "http.request.header.*", strings.Repeat("k", 300)}, []string{"(?i)token$"})
	require.NoError(t, err)
	assert.Equal(t, -1, bad)
	for _, key := range []string{"password", "http.request.header.cookie", "x-Token", strings.Repeat("k", 300)} {
		assert.True(t, k.Match(key), key)
	}
	for _, key := range []string{"passwort", "passwordx", "tokens", "http.method", strings.Repeat("k", 301)} {
		assert.False(t, k.Match(key), key)
	}
	_, bad, err = NewKeys(nil, []string{"ok", "("})
	require.Error(t, err)
	assert.Equal(t, 1, bad)
}

func TestTruncate(t *testing.T) {
	s, cut := Truncate("hello", 5, "…")
	assert.False(t, cut)
	assert.Equal(t, "hello", s)
	s, cut = Truncate("hello world", 8, "...")
	assert.True(t, cut)
	assert.Equal(t, "hello...", s)
	// "€" is 3 bytes: 6-3 = 3 bytes kept would split the first euro sign.
	s, cut = Truncate("a€€€", 6, "…")
	assert.True(t, cut)
	assert.Equal(t, "a…", s)
	assert.True(t, utf8.ValidString(s))
	s, _ = Truncate("a€€€", 7, "…")
	assert.Equal(t, "a€…", s)
	s, _ = Truncate("abcdef", 2, "...")
	assert.Equal(t, "ab", s)
}

// FuzzTruncate: the result is valid UTF-8 when the input is, never longer than max, and a prefix of the input.
func FuzzTruncate(f *testing.F) {
	f.Add("héllo wörld €€€", 5, "…")
	f.Add("", 1, "")
	f.Add("abc", 0, "..")
	f.Fuzz(func(t *testing.T, s string, max int, marker string) {
		if max < 0 || max > 1<<16 {
			return
		}
		out, cut := Truncate(s, max, marker)
		if !cut {
			require.Equal(t, s, out)
			return
		}
		require.LessOrEqual(t, len(out), max)
		if utf8.ValidString(s) && utf8.ValidString(marker) {
			require.True(t, utf8.ValidString(out))
		}
	})
}

func BenchmarkKeysMiss(b *testing.B) {
	k, _, _ := NewKeys([]string{"password", "authorization", "http.request.header.*", "*.secret"}, nil)
	keys := []string{"http.method", "http.route", "http.status_code", "net.peer.name", "user_agent.original"}
	b.ReportAllocs()
	for b.Loop() {
		for _, key := range keys {
			if k.Match(key) {
				b.Fatal(key)
			}
		}
	}
}

// TestExactKeysAgreeWithMap: with enough keys that many share a length, a
// first and last byte or a hash slot, the exact-key filters never reject a
// listed key and MatchExact and Match answer exactly like a Go map.
func TestExactKeysAgreeWithMap(t *testing.T) {
	var listed []string
	in := map[string]bool{}
	for i := range 400 {
		k := strings.Repeat("k", i%70) + string(rune('a'+i%26))
		if i%3 == 0 {
			k = "a" + k
		}
		listed = append(listed, k)
		in[k] = true
	}
	k, _, err := NewKeys(listed, nil)
	require.NoError(t, err)
	assert.Len(t, k.Exact(), len(in), "duplicates listed once")
	probes := append([]string{"", "a", "kz", strings.Repeat("k", 300)}, listed...)
	for _, l := range listed {
		probes = append(probes, l+"x", "x"+l, l[:len(l)-1], strings.ToUpper(l))
	}
	for _, p := range probes {
		assert.Equal(t, in[p], k.Match(p), p)
		assert.Equal(t, in[p], k.MatchExact(p), p)
		if in[p] {
			assert.True(t, k.MaybeExact(p), p)
		}
	}
}
