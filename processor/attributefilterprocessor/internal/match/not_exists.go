package match

// notExists matches an absent value.
type notExists struct{}

// NotExists returns a Matcher for absent values.
func NotExists() Matcher { return notExists{} }

func (notExists) Match(v Value) bool { return v.Kind == KindMissing }
