package match

import (
	"math"
	"strconv"
)

// Kind is the type of a Value.
type Kind uint8

// The kinds of a matched value.
const (
	// KindMissing means the field or attribute is absent.
	KindMissing Kind = iota
	KindStr
	KindInt
	KindDouble
	KindBool
	// KindOther covers maps, slices, bytes and empty values: present, but neither text nor number.
	KindOther
)

// Value is a field or attribute value as seen by a matcher. It is built on
// the stack for every test and holds no reference beyond the record's own
// string; numbers and booleans share one word, so a Value is four words.
type Value struct {
	Kind Kind
	Str  string
	bits uint64 // the int64, float64 bits or boolean of a number or boolean
}

// Missing is the value of an absent field.
var Missing = Value{}

// Str returns a string Value.
func Str(s string) Value { return Value{Kind: KindStr, Str: s} }

// Int returns an integer Value.
func Int(i int64) Value { return Value{Kind: KindInt, bits: uint64(i)} }

// Double returns a floating point Value.
func Double(f float64) Value { return Value{Kind: KindDouble, bits: math.Float64bits(f)} }

// Bool returns a boolean Value.
func Bool(b bool) Value {
	v := Value{Kind: KindBool}
	if b {
		v.bits = 1
	}
	return v
}

// Other returns a present Value that is neither text nor a number.
func Other() Value { return Value{Kind: KindOther} }

// AsInt is the integer of a KindInt value.
func (v Value) AsInt() int64 { return int64(v.bits) }

// AsDouble is the number of a KindDouble value.
func (v Value) AsDouble() float64 { return math.Float64frombits(v.bits) }

// AsBool is the boolean of a KindBool value.
func (v Value) AsBool() bool { return v.bits != 0 }

// appendText appends the text form of v to buf: the string itself, or the
// decimal form of a number or boolean. ok is false for values without a text form.
func appendText(buf []byte, v Value) ([]byte, bool) {
	switch v.Kind {
	case KindInt:
		return strconv.AppendInt(buf, v.AsInt(), 10), true
	case KindDouble:
		return strconv.AppendFloat(buf, v.AsDouble(), 'g', -1, 64), true
	case KindBool:
		return strconv.AppendBool(buf, v.AsBool()), true
	}
	return buf, false
}

// number returns v as a float64 when it is a number or a string holding one.
func number(v Value) (float64, bool) {
	switch v.Kind {
	case KindInt:
		return float64(v.AsInt()), true
	case KindDouble:
		return v.AsDouble(), true
	case KindStr:
		if !looksNumeric(v.Str) {
			return 0, false
		}
		f, err := strconv.ParseFloat(v.Str, 64)
		return f, err == nil
	}
	return 0, false
}

// looksNumeric keeps ParseFloat (whose errors allocate) away from plain words.
func looksNumeric(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return false
		}
	}
	return true
}
