package match

const smallSet = 8

// set matches a value equal to any of several texts.
type set struct {
	small  []string // up to smallSet values are compared in turn: cheaper than hashing
	strs   map[string]struct{}
	others []Matcher // exact matchers for non-string values
}

// Set returns a Matcher for values equal to any of values.
func Set(values []string) Matcher {
	s := &set{}
	if len(values) <= smallSet {
		s.small = values
	} else {
		s.strs = make(map[string]struct{}, len(values))
	}
	for _, v := range values {
		if s.strs != nil {
			s.strs[v] = struct{}{}
		}
		s.others = append(s.others, Exact(v))
	}
	return s
}

func (s *set) Match(v Value) bool {
	switch v.Kind {
	case KindStr:
		if s.strs == nil {
			for _, x := range s.small {
				if x == v.Str {
					return true
				}
			}
			return false
		}
		_, ok := s.strs[v.Str]
		return ok
	case KindInt, KindDouble, KindBool:
		for _, m := range s.others {
			if m.Match(v) {
				return true
			}
		}
	}
	return false
}
