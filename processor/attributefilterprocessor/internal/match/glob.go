package match

import "strings"

// glob matches text against a pattern where '*' stands for any run of bytes
// and '?' for one byte. It compiles to the cheapest form the pattern allows.
type glob struct {
	pattern string
	test    func(string) bool
}

// Glob returns a Matcher for string values (and the text of numbers and
// booleans) matching pattern.
func Glob(pattern string) Matcher {
	return &glob{pattern: pattern, test: CompileGlob(pattern)}
}

func (g *glob) Match(v Value) bool {
	if v.Kind == KindStr {
		return g.test(v.Str)
	}
	var buf [32]byte
	b, ok := appendText(buf[:0], v)
	if !ok {
		return false
	}
	return globMatch(g.pattern, string(b))
}

// CompileGlob returns a function testing a string against pattern without allocating.
func CompileGlob(pattern string) func(string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return func(s string) bool { return s == pattern }
	}
	if pattern == "*" {
		return func(string) bool { return true }
	}
	if strings.Count(pattern, "*") == 1 && !strings.Contains(pattern, "?") {
		i := strings.IndexByte(pattern, '*')
		prefix, suffix := pattern[:i], pattern[i+1:]
		switch {
		case suffix == "":
			return func(s string) bool { return strings.HasPrefix(s, prefix) }
		case prefix == "":
			return func(s string) bool { return strings.HasSuffix(s, suffix) }
		default:
			return func(s string) bool {
				return len(s) >= len(prefix)+len(suffix) && strings.HasPrefix(s, prefix) && strings.HasSuffix(s, suffix)
			}
		}
	}
	return func(s string) bool { return globMatch(pattern, s) }
}

// globMatch is an iterative matcher with single-star backtracking: linear in
// practice, no recursion, no allocation.
func globMatch(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
