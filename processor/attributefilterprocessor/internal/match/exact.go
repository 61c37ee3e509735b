package match

import "strconv"

// exact matches a value equal to the configured text, compared as a string
// against strings and as a number or boolean against numbers and booleans.
type exact struct {
	s      string
	i      int64
	iok    bool
	f      float64
	fok    bool
	b, bok bool
}

// Exact returns a Matcher for values equal to s.
func Exact(s string) Matcher {
	e := &exact{s: s}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		e.i, e.iok = i, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		e.f, e.fok = f, true
	}
	if b, err := strconv.ParseBool(s); err == nil && (s == "true" || s == "false") {
		e.b, e.bok = b, true
	}
	return e
}

func (e *exact) Match(v Value) bool {
	switch v.Kind {
	case KindStr:
		return v.Str == e.s
	case KindInt:
		return e.iok && v.AsInt() == e.i
	case KindDouble:
		return e.fok && v.AsDouble() == e.f
	case KindBool:
		return e.bok && v.AsBool() == e.b
	}
	return false
}
