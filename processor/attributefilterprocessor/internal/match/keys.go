package match

import (
	"regexp"
	"strings"
)

// Keys tests attribute keys against a list of globs and regular expressions.
// Exact keys are found by length first, so a key of a length no exact entry
// has costs one bit test.
type Keys struct {
	exact    map[string]struct{}
	list     []string  // the exact keys, in configuration order
	lengths  [4]uint64 // bit n set: some exact key has length n (n < 256)
	longKeys bool      // some exact key is 256 bytes or longer
	globs    []func(string) bool
	regexes  []*regexp.Regexp
	patterns bool // some glob or regex: every key needs the full test
}

// NewKeys compiles globs and regular expressions into a key test. It fails
// with the index of the first bad regular expression.
func NewKeys(globs, regexes []string) (*Keys, int, error) {
	k := &Keys{exact: map[string]struct{}{}}
	for _, g := range globs {
		if !strings.ContainsAny(g, "*?") {
			if _, dup := k.exact[g]; !dup {
				k.list = append(k.list, g)
			}
			k.exact[g] = struct{}{}
			if n := len(g); n < 256 {
				k.lengths[n>>6] |= 1 << (n & 63)
			} else {
				k.longKeys = true
			}
			continue
		}
		k.globs = append(k.globs, CompileGlob(g))
	}
	for i, r := range regexes {
		re, err := regexp.Compile(r)
		if err != nil {
			return nil, i, err
		}
		k.regexes = append(k.regexes, re)
	}
	k.patterns = len(k.globs) > 0 || len(k.regexes) > 0
	return k, -1, nil
}

// MaybeMatch is a cheap, inlinable pre-test: false means Match is false too.
func (k *Keys) MaybeMatch(key string) bool {
	n := len(key)
	return k.patterns || (n < 256 && k.lengths[n>>6]&(1<<(n&63)) != 0) || (n >= 256 && k.longKeys)
}

// Exact returns the exact keys when the list holds nothing else (no glob, no
// regular expression), else nil.
func (k *Keys) Exact() []string {
	if k.patterns {
		return nil
	}
	return k.list
}

// Empty reports whether the list has no entries.
func (k *Keys) Empty() bool {
	return len(k.exact) == 0 && len(k.globs) == 0 && len(k.regexes) == 0
}

// Match reports whether key is in the list.
func (k *Keys) Match(key string) bool {
	n := len(key)
	if (n < 256 && k.lengths[n>>6]&(1<<(n&63)) != 0) || (n >= 256 && k.longKeys) {
		if _, ok := k.exact[key]; ok {
			return true
		}
	}
	for _, g := range k.globs {
		if g(key) {
			return true
		}
	}
	for _, re := range k.regexes {
		if re.MatchString(key) {
			return true
		}
	}
	return false
}
