package match

// Matcher tests one value. Implementations are immutable and safe for concurrent use.
type Matcher interface {
	Match(v Value) bool
}
