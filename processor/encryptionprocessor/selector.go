package encryptionprocessor // import "github.com/otelgate/otelgate/processor/encryptionprocessor"

import (
	"regexp"
	"strings"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/internal/verdict"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

// maxCachedKeys bounds the cache of pattern decisions per level (the bound
// is twice that, see verdict.Cache).
const maxCachedKeys = 4096

// selection is the outcome for one attribute key at one level.
type selection struct {
	selected  bool
	algorithm keyring.Algorithm
}

// pattern is a compiled glob or regex rule.
type pattern struct {
	re        *verdict.Regexp
	algorithm keyring.Algorithm
}

// selector decides which attributes are selected. The first matching rule
// wins; exact rules are looked up before patterns.
type selector struct {
	exact    [codec.NumLevels]map[string]keyring.Algorithm
	patterns [codec.NumLevels]patterns

	cache [codec.NumLevels]*verdict.Cache[selection]
}

func newSelector(cfg *Config) *selector {
	def, _ := keyring.ParseAlgorithm(cfg.Algorithm)
	s := &selector{}
	for l := range s.exact {
		s.exact[l] = map[string]keyring.Algorithm{}
		s.cache[l] = verdict.NewCache[selection](maxCachedKeys)
	}
	for _, a := range cfg.Attributes {
		alg := def
		if a.Algorithm != "" {
			alg, _ = keyring.ParseAlgorithm(a.Algorithm)
		}
		levels := []codec.Level{codec.LevelResource, codec.LevelScope, codec.LevelRecord, codec.LevelEvent, codec.LevelLink}
		if len(a.Levels) > 0 {
			levels = levels[:0]
			for _, n := range a.Levels {
				l, _ := codec.ParseLevel(n)
				levels = append(levels, l)
			}
		}
		var re *verdict.Regexp
		switch a.MatchType {
		case MatchGlob:
			re, _ = verdict.Compile(globRegexp(a.Key))
		case MatchRegex:
			re, _ = verdict.Compile(`^(?:` + a.Key + `)$`)
		}
		for _, l := range levels {
			if re == nil {
				if _, seen := s.exact[l][a.Key]; !seen {
					s.exact[l][a.Key] = alg
				}
				continue
			}
			s.patterns[l] = append(s.patterns[l], pattern{re: re, algorithm: alg})
		}
	}
	return s
}

// match reports whether the attribute key at level is selected and with
// which algorithm.
func (s *selector) match(level codec.Level, key string) (keyring.Algorithm, bool) {
	if alg, ok := s.exact[level][key]; ok {
		return alg, true
	}
	if len(s.patterns[level]) == 0 {
		return 0, false
	}
	sel := s.cache[level].Decide(key, s.patterns[level].decide)
	return sel.algorithm, sel.selected
}

// evictions is the number of decisions the caches dropped to stay bounded.
func (s *selector) evictions() int64 {
	var n int64
	for _, c := range s.cache {
		n += c.Evictions()
	}
	return n
}

// patterns are the glob and regex rules of one level, in order.
type patterns []pattern

// decide is the first matching rule's selection.
func (ps patterns) decide(key string) selection {
	for _, p := range ps {
		if p.re.MatchString(key) {
			return selection{selected: true, algorithm: p.algorithm}
		}
	}
	return selection{}
}

// globRegexp turns a glob (* any run of characters, ? one character) into
// an anchored regular expression.
func globRegexp(glob string) string {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range glob {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return b.String()
}
