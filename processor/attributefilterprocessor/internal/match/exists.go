package match

// exists matches any present value.
type exists struct{}

// Exists returns a Matcher for present values of any type.
func Exists() Matcher { return exists{} }

func (exists) Match(v Value) bool { return v.Kind != KindMissing }
