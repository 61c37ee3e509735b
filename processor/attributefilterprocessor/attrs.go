package attributefilterprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
)

// clean applies the level's key list and the limits to one attribute map.
// A map that stays as it is costs no allocation and no write.
func (p *policy) clean(m pcommon.Map, lvl level, st *stats) {
	list := p.keys[lvl]
	lim := &p.limits
	if m.Len() == 0 {
		return
	}
	if list != nil && !p.sizeLimits && lim.MaxAttributes == 0 {
		// Only a key list: one pass, which writes nothing when nothing goes.
		if list.few != nil {
			p.removeFew(m, list.few, lvl, st)
			return
		}
		removed := 0
		m.RemoveIf(func(k string, _ pcommon.Value) bool {
			if list.removes(k) {
				removed++
				return true
			}
			return false
		})
		p.audited(m, removed, lvl, st)
		return
	}
	remove, fix := 0, false
	if p.sizeLimits || list != nil {
		for k, v := range m.All() {
			if list != nil && list.removes(k) {
				remove++
				continue
			}
			if !fix && p.sizeLimits && p.needsFix(v) {
				fix = true
			}
		}
	}
	over := lim.MaxAttributes > 0 && m.Len()-remove > lim.MaxAttributes
	if remove == 0 && !fix && !over {
		return
	}
	if remove > 0 {
		m.RemoveIf(func(k string, _ pcommon.Value) bool { return list.removes(k) })
		st.removed[lvl][reasonKeyList] += int64(remove)
	}
	removed := remove
	if over {
		n, kept := 0, lim.MaxAttributes
		m.RemoveIf(func(string, pcommon.Value) bool { n++; return n > kept })
		st.removed[lvl][reasonMaxAttributes] += int64(n - kept)
		removed += n - kept
	}
	if fix {
		for _, v := range m.All() {
			p.fix(v, st)
		}
	}
	if p.audit != "" && removed > 0 {
		m.PutInt(p.audit, int64(removed))
	}
}

// removeFew removes a few exact keys, each by one scan of the map (every
// occurrence, should a map hold a key twice). Removal moves the map's last
// attribute into the freed place: attribute order carries no meaning in OTLP.
func (p *policy) removeFew(m pcommon.Map, keys []string, lvl level, st *stats) {
	removed := 0
	for _, k := range keys {
		for m.Remove(k) {
			removed++
		}
	}
	p.audited(m, removed, lvl, st)
}

// audited counts keys removed by a key list and writes the audit attribute.
func (p *policy) audited(m pcommon.Map, removed int, lvl level, st *stats) {
	if removed > 0 {
		st.removed[lvl][reasonKeyList] += int64(removed)
		if p.audit != "" {
			m.PutInt(p.audit, int64(removed))
		}
	}
}

// needsFix reports whether a value, or a value nested in it, breaks a size limit.
func (p *policy) needsFix(v pcommon.Value) bool {
	lim := &p.limits
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return lim.MaxStringLength > 0 && len(v.Str()) > lim.MaxStringLength
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		if lim.MaxArrayLength > 0 && s.Len() > lim.MaxArrayLength {
			return true
		}
		for i := 0; i < s.Len(); i++ {
			if p.needsFix(s.At(i)) {
				return true
			}
		}
	case pcommon.ValueTypeMap:
		for _, e := range v.Map().All() {
			if p.needsFix(e) {
				return true
			}
		}
	}
	return false
}

// fix cuts a value, and the values nested in it, to the limits.
func (p *policy) fix(v pcommon.Value, st *stats) {
	lim := &p.limits
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if lim.MaxStringLength > 0 {
			if s, cut := match.Truncate(v.Str(), lim.MaxStringLength, lim.TruncationMarker); cut {
				v.SetStr(s)
				st.truncatedStrings++
			}
		}
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		if lim.MaxArrayLength > 0 && s.Len() > lim.MaxArrayLength {
			n, kept := 0, lim.MaxArrayLength
			s.RemoveIf(func(pcommon.Value) bool { n++; return n > kept })
			st.truncatedArrays++
		}
		for i := 0; i < s.Len(); i++ {
			p.fix(s.At(i), st)
		}
	case pcommon.ValueTypeMap:
		for _, e := range v.Map().All() {
			p.fix(e, st)
		}
	}
}
