package verdict

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// maxLiterals bounds the literal set a regular expression may expand to
// before Compile leaves it to RE2.
const maxLiterals = 64

// Regexp is a compiled key pattern: a string check when the expression's
// language is a small set of literals (anchored or not, case-folded or not),
// else RE2. Literal reports which.
type Regexp struct {
	re      *regexp.Regexp
	lits    []string // the language, lower-cased when fold is set
	fold    bool     // (?i): compare ASCII case-insensitively
	begin   bool     // anchored at the start of the key
	end     bool     // anchored at the end of the key
	literal bool
}

// Compile compiles expr with RE2's syntax and semantics (regexp.Compile),
// and where it can, a string check that gives the same answers.
func Compile(expr string) (*Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	r := &Regexp{re: re}
	r.literal = r.literalForm(expr)
	return r, nil
}

// String is the expression as written.
func (r *Regexp) String() string { return r.re.String() }

// Literal reports whether MatchString runs string checks, not RE2.
func (r *Regexp) Literal() bool { return r.literal }

// LastBytes adds to set every byte a matching key can end with and reports
// true, when the expression is a literal form anchored at the end with no
// empty literal. For a case-folded expression, keys ending in a non-ASCII
// byte are not covered (they go to RE2): callers test only ASCII last bytes.
func (r *Regexp) LastBytes(set *[256]bool) bool {
	if !r.literal || !r.end {
		return false
	}
	for _, l := range r.lits {
		if l == "" {
			return false
		}
	}
	for _, l := range r.lits {
		c := l[len(l)-1]
		set[c] = true
		if r.fold && 'a' <= c && c <= 'z' {
			set[c-'a'+'A'] = true
		}
	}
	return true
}

// MatchString reports whether key holds a match of the expression.
func (r *Regexp) MatchString(key string) bool {
	if !r.literal {
		return r.re.MatchString(key)
	}
	if r.fold && !isASCII(key) {
		// Unicode case folding matches some non-ASCII runes to ASCII
		// letters (U+212A KELVIN SIGN to k): leave those keys to RE2.
		return r.re.MatchString(key)
	}
	for _, l := range r.lits {
		if r.matchLiteral(key, l) {
			return true
		}
	}
	return false
}

func (r *Regexp) matchLiteral(key, l string) bool {
	switch {
	case r.begin && r.end:
		return len(key) == len(l) && r.equal(key, l)
	case r.begin:
		return len(key) >= len(l) && r.equal(key[:len(l)], l)
	case r.end:
		return len(key) >= len(l) && r.equal(key[len(key)-len(l):], l)
	case !r.fold:
		return strings.Contains(key, l)
	}
	for i := 0; i+len(l) <= len(key); i++ {
		if r.equal(key[i:i+len(l)], l) {
			return true
		}
	}
	return false
}

// equal compares s with l (lower-cased when folding) over equal lengths.
func (r *Regexp) equal(s, l string) bool {
	if !r.fold {
		return s == l
	}
	for i := 0; i < len(l); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != l[i] {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// literalForm fills in the literal form of expr: an optional start anchor, a
// body whose language is a finite set of at most maxLiterals strings, an
// optional end anchor. It reports false for anything else.
func (r *Regexp) literalForm(expr string) bool {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return false
	}
	re = re.Simplify()
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	if len(subs) > 0 && subs[0].Op == syntax.OpBeginText {
		r.begin, subs = true, subs[1:]
	}
	if n := len(subs); n > 0 && subs[n-1].Op == syntax.OpEndText {
		r.end, subs = true, subs[:n-1]
	}
	e := expander{fold: -1}
	lits := []string{""}
	for _, s := range subs {
		if lits = e.concat(lits, e.expand(s)); lits == nil {
			return false
		}
	}
	for _, l := range lits {
		// RE2 reads an invalid byte of a key as U+FFFD: a literal holding
		// it is left to RE2. Folding is done on ASCII only.
		if strings.ContainsRune(l, utf8.RuneError) || e.fold == 1 && !isASCII(l) {
			return false
		}
	}
	r.fold = e.fold == 1
	r.lits = dedupe(lits)
	return true
}

// expander lists the language of a regular expression, nil when it is not a
// small finite set of strings. fold is -1 until a letter was seen, then 1
// when letters fold case, 0 when they do not; a mix is not expanded.
type expander struct {
	fold int
}

func (e *expander) expand(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}
	case syntax.OpLiteral:
		if !e.setFold(re.Flags&syntax.FoldCase != 0, re.Rune) {
			return nil
		}
		s := string(re.Rune)
		if re.Flags&syntax.FoldCase != 0 {
			s = strings.ToLower(s)
		}
		return []string{s}
	case syntax.OpCharClass:
		return e.class(re)
	case syntax.OpCapture:
		return e.expand(re.Sub[0])
	case syntax.OpQuest:
		sub := e.expand(re.Sub[0])
		if sub == nil {
			return nil
		}
		return append([]string{""}, sub...)
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			sub := e.expand(s)
			if sub == nil || len(out)+len(sub) > maxLiterals {
				return nil
			}
			out = append(out, sub...)
		}
		return out
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			if out = e.concat(out, e.expand(s)); out == nil {
				return nil
			}
		}
		return out
	}
	return nil
}

func (e *expander) concat(a, b []string) []string {
	if a == nil || b == nil || len(a)*len(b) > maxLiterals {
		return nil
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}

// class lists a character class of a few ASCII runes. Letters in a class are
// only taken when the expression folds case and the class holds both cases
// of each letter (what (?i) makes of a letter in a class).
func (e *expander) class(re *syntax.Regexp) []string {
	var runes []rune
	for i := 0; i+1 < len(re.Rune); i += 2 {
		lo, hi := re.Rune[i], re.Rune[i+1]
		if hi >= utf8.RuneSelf || hi-lo >= maxLiterals || len(runes)+int(hi-lo+1) > 8 {
			return nil
		}
		for c := lo; c <= hi; c++ {
			runes = append(runes, c)
		}
	}
	var out []string
	for _, c := range runes {
		if isLetter(c) {
			// Needs both cases in the class and folding on.
			if !e.setFold(true, []rune{c}) || !containsRune(runes, c^0x20) {
				return nil
			}
			if 'A' <= c && c <= 'Z' {
				continue // its lower case is in the class too
			}
		}
		out = append(out, string(c))
	}
	return out
}

// setFold records whether letters fold case; false when that contradicts
// what earlier letters said.
func (e *expander) setFold(fold bool, runes []rune) bool {
	letters := false
	for _, c := range runes {
		if isLetter(c) || c >= utf8.RuneSelf {
			letters = true
		}
	}
	if !letters {
		return true
	}
	f := 0
	if fold {
		f = 1
	}
	if e.fold == -1 {
		e.fold = f
	}
	return e.fold == f
}

func isLetter(c rune) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func containsRune(rs []rune, c rune) bool {
	for _, r := range rs {
		if r == c {
			return true
		}
	}
	return false
}

func dedupe(lits []string) []string {
	seen := make(map[string]bool, len(lits))
	out := lits[:0]
	for _, l := range lits {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}
