package threshold

import "strings"

// OT is what the "ot" member of a W3C tracestate says about sampling.
// Malformed th or rv values are reported as absent.
type OT struct {
	Threshold     Threshold
	Randomness    uint64
	HasThreshold  bool
	HasRandomness bool
}

// ParseTraceState reads the th and rv sub-keys of the "ot" member of a W3C
// tracestate. It does not allocate.
func ParseTraceState(ts string) OT {
	var ot OT
	val, ok := otMember(ts)
	if !ok {
		return ot
	}
	for val != "" {
		var field string
		field, val, _ = strings.Cut(val, ";")
		k, v, ok := strings.Cut(field, ":")
		if !ok {
			continue
		}
		switch k {
		case "th":
			if t, err := Parse(v); err == nil {
				ot.Threshold, ot.HasThreshold = t, true
			}
		case "rv":
			if r, err := ParseRandomness(v); err == nil {
				ot.Randomness, ot.HasRandomness = r, true
			}
		}
	}
	return ot
}

// otMember returns the value of the "ot" list member.
func otMember(ts string) (string, bool) {
	for ts != "" {
		var member string
		member, ts, _ = strings.Cut(ts, ",")
		member = strings.Trim(member, " \t")
		if len(member) > 3 && member[:3] == "ot=" {
			return member[3:], true
		}
	}
	return "", false
}

// WithThreshold returns ts with th:<t> in its "ot" member, replacing any previous
// th. The "ot" member moves to the front as W3C Trace Context requires of a
// modified member; other members and other ot sub-keys are kept in order.
// The caller must not pass Max (probability zero has no encoding).
func WithThreshold(ts string, t Threshold) string {
	var hex [NumHexDigits]byte
	th := t.AppendHex(hex[:0])
	if ts == "" {
		return "ot=th:" + string(th)
	}
	old, _ := otMember(ts)
	// One allocation: the builder's buffer becomes the string.
	var b strings.Builder
	b.Grow(len(ts) + len(th) + 8)
	b.WriteString("ot=th:")
	b.Write(th)
	for old != "" {
		var field string
		field, old, _ = strings.Cut(old, ";")
		if field == "" || strings.HasPrefix(field, "th:") {
			continue
		}
		b.WriteByte(';')
		b.WriteString(field)
	}
	for ts != "" {
		var member string
		member, ts, _ = strings.Cut(ts, ",")
		member = strings.Trim(member, " \t")
		if member == "" || strings.HasPrefix(member, "ot=") {
			continue
		}
		b.WriteByte(',')
		b.WriteString(member)
	}
	return b.String()
}
