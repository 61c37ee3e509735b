package attributefilterprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
)

// clean applies the level's key list and the limits to one attribute map.
// A map that stays as it is costs one read-only pass, no allocation and no write.
func (p *policy) clean(m pcommon.Map, lvl level, st *stats) {
	list := p.keys[lvl]
	lim := &p.limits
	if list == nil && !p.sizeLimits && lim.MaxAttributes == 0 {
		return
	}
	if m.Len() == 0 {
		return
	}
	if !p.sizeLimits && lim.MaxAttributes == 0 {
		p.applyList(m, list, lvl, st)
		return
	}
	remove, fix := 0, false
	// The first few keys to remove are kept, so that removing them needs
	// no second decision per key.
	var found [4]string
	for k, v := range m.All() {
		if list != nil {
			var listed bool
			if list.exact {
				listed = list.keys.MaybeExact(k) && list.keys.MatchExact(k)
			} else {
				listed = list.keys.Match(k)
			}
			if listed != list.allow {
				if remove < len(found) {
					found[remove] = k
				}
				remove++
				continue
			}
		}
		if !fix && p.sizeLimits {
			switch v.Type() {
			case pcommon.ValueTypeStr:
				fix = lim.MaxStringLength > 0 && len(v.Str()) > lim.MaxStringLength
			case pcommon.ValueTypeSlice, pcommon.ValueTypeMap:
				fix = p.needsFix(v)
			}
		}
	}
	over := lim.MaxAttributes > 0 && m.Len()-remove > lim.MaxAttributes
	if remove == 0 && !fix && !over {
		return
	}
	if remove > 0 {
		if remove <= len(found) && !over {
			// As in applyList: Remove moves the map's last attribute into
			// the freed place. With max_attributes in play the order
			// decides which attributes stay, so that path keeps it.
			n := remove
			remove = 0
			for _, k := range found[:n] {
				for m.Remove(k) {
					remove++
				}
			}
		} else {
			m.RemoveIf(func(k string, _ pcommon.Value) bool { return list.removes(k) })
		}
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

// applyList applies a key list alone: one read-only pass finds whether any
// key goes, and only a map that loses keys is written to. Every occurrence
// of a removed key goes (a map may hold a key twice).
func (p *policy) applyList(m pcommon.Map, list *keyList, lvl level, st *stats) {
	remove := 0
	if keys := list.keys; list.exactDeny {
		// The filter inlines here: most keys cost no call and no compare.
		var found [4]string
		for k := range m.All() {
			if keys.MaybeExact(k) && keys.MatchExact(k) {
				if remove < len(found) {
					found[remove] = k
				}
				remove++
			}
		}
		if remove == 0 {
			return
		}
		if remove <= len(found) {
			// Remove moves the map's last attribute into the freed place:
			// cheaper than compacting the whole map, and attribute order
			// carries no meaning in OTLP.
			n := remove
			remove = 0
			for _, k := range found[:n] {
				for m.Remove(k) {
					remove++
				}
			}
		} else {
			m.RemoveIf(func(k string, _ pcommon.Value) bool { return keys.MaybeExact(k) && keys.MatchExact(k) })
		}
	} else if list.exact {
		// An allow list of exact keys: the same inlined filter.
		for k := range m.All() {
			if !keys.MaybeExact(k) || !keys.MatchExact(k) {
				remove++
			}
		}
		if remove == 0 {
			return
		}
		m.RemoveIf(func(k string, _ pcommon.Value) bool { return !keys.MaybeExact(k) || !keys.MatchExact(k) })
	} else {
		// Globs or regular expressions: each key is decided once; the
		// first few to go are kept so removing them decides nothing again.
		var found [4]string
		for k := range m.All() {
			if list.removes(k) {
				if remove < len(found) {
					found[remove] = k
				}
				remove++
			}
		}
		if remove == 0 {
			return
		}
		if remove <= len(found) {
			n := remove
			remove = 0
			for _, k := range found[:n] {
				for m.Remove(k) {
					remove++
				}
			}
		} else {
			m.RemoveIf(func(k string, _ pcommon.Value) bool { return list.removes(k) })
		}
	}
	st.removed[lvl][reasonKeyList] += int64(remove)
	if p.audit != "" {
		m.PutInt(p.audit, int64(remove))
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
