package threshold

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

const (
	// NumBits is the width of randomness values and thresholds.
	NumBits = 56
	// NumHexDigits is the number of hexadecimal digits of a full threshold.
	NumHexDigits = NumBits / 4
	// Max is 2^56: the threshold that rejects every randomness value
	// (probability zero). It has no hexadecimal encoding.
	Max Threshold = 1 << NumBits
	// AlwaysSample is the threshold of probability one, encoded "0".
	AlwaysSample Threshold = 0
	// MaxRandomness is the largest randomness value.
	MaxRandomness = uint64(Max) - 1
)

// Threshold is a rejection threshold T in [0, 2^56]: an item whose randomness R
// satisfies R >= T is kept. Its sampling probability is (2^56 - T) / 2^56 and its
// adjusted count (weight) is the inverse of that.
type Threshold uint64

var (
	errProbabilityRange = errors.New("probability must be in [0, 1]")
	errEmpty            = errors.New("empty value")
	errTooLong          = errors.New("more than 14 hex digits")
	errNotHex           = errors.New("not a lowercase hex digit")
)

// FromProbability returns the threshold of probability p rounded to precision
// significant hex digits (1..14). Precision is raised by one digit for every
// leading 0 of the threshold (p close to 1) or leading f (p close to 0), so the
// relative error of small probabilities stays as small as that of large ones.
func FromProbability(p float64, precision int) (Threshold, error) {
	if !(p >= 0 && p <= 1) {
		return Max, fmt.Errorf("%w, got %v", errProbabilityRange, p)
	}
	if p == 0 {
		return Max, nil
	}
	if p == 1 {
		return AlwaysSample, nil
	}
	precision = min(max(precision, 1), NumHexDigits)
	accept := uint64(math.Round(p * float64(Max)))
	t := uint64(Max) - accept
	// Leading hex zeros of T (p near 1) and of 2^56-T (p near 0), within 14 digits.
	lzT := leadingHexZeros(t)
	lzA := leadingHexZeros(accept)
	digits := min(NumHexDigits, precision+max(lzT, lzA))
	if shift := 4 * uint(NumHexDigits-digits); shift > 0 {
		half := uint64(1) << (shift - 1)
		t = (t + half) >> shift << shift
	}
	if t >= uint64(Max) {
		// Rounding may not turn a positive probability into zero.
		t = uint64(Max) - 1
	}
	return Threshold(t), nil
}

func leadingHexZeros(v uint64) int {
	if v >= uint64(Max) {
		return 0
	}
	return (bits.LeadingZeros64(v) - (64 - NumBits)) / 4
}

// Probability returns the sampling probability of t.
func (t Threshold) Probability() float64 {
	if t >= Max {
		return 0
	}
	return float64(Max-t) / float64(Max)
}

// AdjustedCount returns the number of items a kept item represents (1/probability),
// or 0 for the zero probability.
func (t Threshold) AdjustedCount() float64 {
	if t >= Max {
		return 0
	}
	return float64(Max) / float64(Max-t)
}

// ShouldSample reports whether randomness r is kept under t.
func (t Threshold) ShouldSample(r uint64) bool { return r >= uint64(t) }

// Stricter returns the larger (lower probability) of two thresholds.
func Stricter(a, b Threshold) Threshold { return max(a, b) }

const hexDigits = "0123456789abcdef"

// AppendHex appends the encoding of t (14 hex digits with trailing zeros dropped,
// "0" for probability one) to dst. Max has no encoding and appends nothing.
func (t Threshold) AppendHex(dst []byte) []byte {
	if t >= Max {
		return dst
	}
	if t == 0 {
		return append(dst, '0')
	}
	v := uint64(t)
	n := NumHexDigits
	for v&0xf == 0 {
		v >>= 4
		n--
	}
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, hexDigits[(v>>(4*uint(i)))&0xf])
	}
	return dst
}

// String returns the hex encoding of t ("" for Max).
func (t Threshold) String() string { return string(t.AppendHex(nil)) }

// Parse decodes a th value: 1 to 14 lowercase hex digits, implicitly followed by
// zeros up to 14 digits.
func Parse(s string) (Threshold, error) {
	v, err := parseHex(s, false)
	return Threshold(v), err
}

// ParseRandomness decodes an rv value: exactly 14 lowercase hex digits.
func ParseRandomness(s string) (uint64, error) {
	return parseHex(s, true)
}

func parseHex(s string, exact bool) (uint64, error) {
	if s == "" {
		return 0, errEmpty
	}
	if len(s) > NumHexDigits || (exact && len(s) != NumHexDigits) {
		return 0, fmt.Errorf("%w: %q", errTooLong, s)
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, fmt.Errorf("%w: %q", errNotHex, s)
		}
		v = v<<4 | uint64(d)
	}
	return v << (4 * uint(NumHexDigits-len(s))), nil
}

// RandomnessFromTraceID returns the least significant 56 bits of a trace ID
// (bytes 9 to 15, big-endian), the randomness the specification assigns to
// trace IDs generated with the W3C random flag.
func RandomnessFromTraceID(id [16]byte) uint64 {
	return uint64(id[9])<<48 | uint64(id[10])<<40 | uint64(id[11])<<32 |
		uint64(id[12])<<24 | uint64(id[13])<<16 | uint64(id[14])<<8 | uint64(id[15])
}
