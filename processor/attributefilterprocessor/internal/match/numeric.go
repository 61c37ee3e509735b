package match

import "math"

// numeric matches numbers (and strings holding numbers) inside bounds;
// every configured bound must hold.
type numeric struct {
	gt, ge, lt, le float64
}

// Bounds are the optional limits of a numeric comparison.
type Bounds struct {
	GT, GE, LT, LE *float64
}

// Numeric returns a Matcher for numbers satisfying every set bound.
func Numeric(b Bounds) Matcher {
	n := numeric{gt: math.Inf(-1), ge: math.Inf(-1), lt: math.Inf(1), le: math.Inf(1)}
	if b.GT != nil {
		n.gt = *b.GT
	}
	if b.GE != nil {
		n.ge = *b.GE
	}
	if b.LT != nil {
		n.lt = *b.LT
	}
	if b.LE != nil {
		n.le = *b.LE
	}
	return n
}

func (n numeric) Match(v Value) bool {
	f, ok := number(v)
	if !ok || math.IsNaN(f) {
		return false
	}
	return (f > n.gt || math.IsInf(n.gt, -1)) && f >= n.ge && (f < n.lt || math.IsInf(n.lt, 1)) && f <= n.le
}
