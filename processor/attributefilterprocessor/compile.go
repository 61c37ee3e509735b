package attributefilterprocessor

import (
	"errors"
	"fmt"
	"strings"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
)

// condition is one compiled matcher bound to its field.
type condition struct {
	field match.Field
	m     match.Matcher
}

// rule is a compiled rule: all conditions must hold.
type rule struct {
	name  string
	kinds match.RecordKind
	// outer conditions read the resource and scope only: they are tested once
	// per scope, not once per record. inner conditions read the record.
	outer []condition
	inner []condition
}

// keyList is a compiled allow or deny list of one level.
type keyList struct {
	keys  *match.Keys
	allow bool
	// exact is set for a list of exact keys only (no glob, no regular
	// expression): membership is a filter on length, then on a hash of
	// length, first and last byte, inlined where keys are tested, then one
	// string compare. exactDeny is exact for a deny list.
	exact, exactDeny bool
}

// verdictEvictions sums the verdict cache evictions of the key lists.
func (p *policy) verdictEvictions() int64 {
	var n int64
	for _, l := range p.keys {
		if l != nil {
			n += l.keys.Evictions()
		}
	}
	return n
}

// removes reports whether key is removed by the list.
func (l *keyList) removes(key string) bool {
	return l.keys.Match(key) != l.allow
}

// policy is the whole configuration compiled into plain values.
type policy struct {
	dropIfAny []rule
	keepOnly  []rule
	keepKinds match.RecordKind // kinds some keep_only rule applies to

	keys  [levels]*keyList // nil: no list on that level
	audit string

	limits     LimitsConfig
	sizeLimits bool // max_string_length or max_array_length set
}

// level indexes the attribute maps a record sees.
type level int

const (
	levelResource level = iota
	levelScope
	levelRecord
	levels
)

var levelNames = [levels]string{"resource", "scope", "record"}

func (p *policy) hasKeyWork() bool {
	return p.keys[levelResource] != nil || p.keys[levelScope] != nil || p.keys[levelRecord] != nil ||
		p.limits.MaxAttributes > 0 || p.limits.MaxStringLength > 0 || p.limits.MaxArrayLength > 0
}

func compile(cfg *Config) (*policy, error) {
	p := &policy{audit: cfg.Keys.AuditAttribute, limits: cfg.Limits}
	p.sizeLimits = cfg.Limits.MaxStringLength > 0 || cfg.Limits.MaxArrayLength > 0
	var errs []error
	for i, rc := range cfg.Drop.DropIfAny {
		r, err := compileRule(fmt.Sprintf("drop.drop_if_any[%d]", i), rc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.dropIfAny = append(p.dropIfAny, r)
	}
	for i, rc := range cfg.Drop.KeepOnly {
		r, err := compileRule(fmt.Sprintf("drop.keep_only[%d]", i), rc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.keepOnly = append(p.keepOnly, r)
		p.keepKinds |= r.kinds
	}
	for lvl, kc := range [levels]KeyListConfig{cfg.Keys.Resource, cfg.Keys.Scope, cfg.Keys.Record} {
		l, err := compileKeyList("keys."+levelNames[lvl], kc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.keys[lvl] = l
	}
	errs = append(errs, validateLimits(cfg.Limits), validateCardinality(cfg.Cardinality, cfg.Limits))
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// compileRule compiles one rule; its errors carry the rule's path and, when
// the rule has one, its name.
func compileRule(path string, rc RuleConfig) (rule, error) {
	r, err := compileRuleAt(path, rc)
	if err != nil && rc.Name != "" {
		err = fmt.Errorf("rule %q: %w", rc.Name, err)
	}
	return r, err
}

func compileRuleAt(path string, rc RuleConfig) (rule, error) {
	r := rule{name: rc.Name}
	if r.name == "" {
		r.name = path
	}
	if len(rc.Matchers) == 0 {
		return r, fmt.Errorf("%s.matchers: a rule needs at least one matcher", path)
	}
	own := match.KindsAll
	for i, mc := range rc.Matchers {
		f, m, err := compileMatcher(fmt.Sprintf("%s.matchers[%d]", path, i), mc)
		if err != nil {
			return r, err
		}
		own &= f.Kinds
		c := condition{field: f, m: m}
		if f.Source == match.SourceResource || f.Source == match.SourceScope || f.Own == match.OwnScopeName {
			r.outer = append(r.outer, c)
		} else {
			r.inner = append(r.inner, c)
		}
	}
	if own == 0 {
		return r, fmt.Errorf("%s.matchers: fields of different record kinds can never hold together", path)
	}
	if len(rc.AppliesTo) == 0 {
		r.kinds = own
		if own == match.KindsAll {
			r.kinds = match.KindsPrimary
		}
		return r, nil
	}
	for i, name := range rc.AppliesTo {
		k, ok := match.KindNames[name]
		if !ok {
			return r, fmt.Errorf("%s.applies_to[%d]: unknown record kind %q (want spans, span_events, span_links, datapoints or logs)", path, i, name)
		}
		if k&own == 0 {
			return r, fmt.Errorf("%s.applies_to[%d]: %q records lack a field the matchers name", path, i, name)
		}
		r.kinds |= k
	}
	return r, nil
}

func compileKeyList(path string, kc KeyListConfig) (*keyList, error) {
	allow := len(kc.Allow) > 0 || len(kc.AllowRegex) > 0
	deny := len(kc.Deny) > 0 || len(kc.DenyRegex) > 0
	switch {
	case allow && deny:
		return nil, fmt.Errorf("%s: set an allow list or a deny list, not both", path)
	case !allow && !deny:
		return nil, nil
	}
	globs, regexes, name := kc.Deny, kc.DenyRegex, "deny"
	if allow {
		globs, regexes, name = kc.Allow, kc.AllowRegex, "allow"
	}
	for i, g := range globs {
		if strings.TrimSpace(g) == "" {
			return nil, fmt.Errorf("%s.%s[%d]: must not be empty", path, name, i)
		}
	}
	keys, bad, err := match.NewKeys(globs, regexes)
	if err != nil {
		return nil, fmt.Errorf("%s.%s_regex[%d]: %w", path, name, bad, err)
	}
	exact := keys.ExactOnly()
	return &keyList{keys: keys, allow: allow, exact: exact, exactDeny: exact && !allow}, nil
}
