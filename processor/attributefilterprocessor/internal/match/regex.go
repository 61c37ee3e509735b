package match

import "regexp"

// regex matches text against a regular expression (RE2 syntax, unanchored).
type regex struct{ re *regexp.Regexp }

// Regex compiles expr into a Matcher for string values and the text of numbers and booleans.
func Regex(expr string) (Matcher, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	return &regex{re: re}, nil
}

func (r *regex) Match(v Value) bool {
	if v.Kind == KindStr {
		return r.re.MatchString(v.Str)
	}
	var buf [32]byte
	b, ok := appendText(buf[:0], v)
	return ok && r.re.Match(b)
}
