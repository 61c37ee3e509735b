package attributefilterprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
)

// record is the view a rule tests: the record's attribute maps and the
// pdata value its own fields come from. Built on the stack per record.
type record struct {
	kind      match.RecordKind
	resource  pcommon.Map
	scope     pcommon.Map
	attrs     pcommon.Map
	scopeName string
	// bit i set: the outer (resource and scope) conditions of rule i hold;
	// computed once per scope by enterScope.
	dropOuter, keepOuter uint64

	span   ptrace.Span
	event  ptrace.SpanEvent
	metric pmetric.Metric
	log    plog.LogRecord
}

var (
	spanKindNames = [...]string{
		ptrace.SpanKindUnspecified: "unspecified",
		ptrace.SpanKindInternal:    "internal",
		ptrace.SpanKindServer:      "server",
		ptrace.SpanKindClient:      "client",
		ptrace.SpanKindProducer:    "producer",
		ptrace.SpanKindConsumer:    "consumer",
	}
	statusNames = [...]string{
		ptrace.StatusCodeUnset: "unset",
		ptrace.StatusCodeOk:    "ok",
		ptrace.StatusCodeError: "error",
	}
	metricTypeNames = [...]string{
		pmetric.MetricTypeEmpty:                "empty",
		pmetric.MetricTypeGauge:                "gauge",
		pmetric.MetricTypeSum:                  "sum",
		pmetric.MetricTypeHistogram:            "histogram",
		pmetric.MetricTypeExponentialHistogram: "exponential_histogram",
		pmetric.MetricTypeSummary:              "summary",
	}
)

func nameOf(names []string, i int) match.Value {
	if i < 0 || i >= len(names) {
		return match.Str("unknown")
	}
	return match.Str(names[i])
}

// valueOf converts a pdata value without copying its text.
func valueOf(v pcommon.Value) match.Value {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return match.Str(v.Str())
	case pcommon.ValueTypeInt:
		return match.Int(v.Int())
	case pcommon.ValueTypeDouble:
		return match.Double(v.Double())
	case pcommon.ValueTypeBool:
		return match.Bool(v.Bool())
	}
	return match.Other()
}

func attr(m pcommon.Map, key string) match.Value {
	v, ok := m.Get(key)
	if !ok {
		return match.Missing
	}
	return valueOf(v)
}

// field returns the value of f on r.
func (r *record) field(f *match.Field) match.Value {
	switch f.Source {
	case match.SourceResource:
		return attr(r.resource, f.Key)
	case match.SourceScope:
		return attr(r.scope, f.Key)
	case match.SourceRecord:
		return attr(r.attrs, f.Key)
	}
	switch f.Own {
	case match.OwnScopeName:
		return match.Str(r.scopeName)
	case match.OwnSpanName:
		return match.Str(r.span.Name())
	case match.OwnSpanKind:
		return nameOf(spanKindNames[:], int(r.span.Kind()))
	case match.OwnSpanStatus:
		return nameOf(statusNames[:], int(r.span.Status().Code()))
	case match.OwnSpanEventName:
		return match.Str(r.event.Name())
	case match.OwnMetricName:
		return match.Str(r.metric.Name())
	case match.OwnMetricType:
		return nameOf(metricTypeNames[:], int(r.metric.Type()))
	case match.OwnLogSeverityText:
		return match.Str(r.log.SeverityText())
	case match.OwnLogSeverityNumber:
		return match.Int(int64(r.log.SeverityNumber()))
	case match.OwnLogBody:
		b := r.log.Body()
		if b.Type() == pcommon.ValueTypeEmpty {
			return match.Missing
		}
		return valueOf(b)
	}
	return match.Missing
}

// enterScope points r at a scope of the current resource and tests every
// rule's resource and scope conditions once for all the scope's records.
func (p *policy) enterScope(r *record, attrs pcommon.Map, name string) {
	r.scope, r.scopeName = attrs, name
	r.dropOuter = outerMask(p.dropIfAny, r)
	r.keepOuter = outerMask(p.keepOnly, r)
}

func outerMask(rules []rule, r *record) uint64 {
	var mask uint64
	for i := range min(len(rules), 64) {
		if holds(rules[i].outer, r) {
			mask |= 1 << i
		}
	}
	return mask
}

func holds(conds []condition, r *record) bool {
	for i := range conds {
		c := &conds[i]
		if !c.m.Match(r.field(&c.field)) {
			return false
		}
	}
	return true
}

// matches tests rule i of its list; mask holds the list's outer results.
func (ru *rule) matches(r *record, i int, mask uint64) bool {
	if i < 64 {
		if mask&(1<<i) == 0 {
			return false
		}
	} else if !holds(ru.outer, r) {
		return false
	}
	return holds(ru.inner, r)
}

// verdict returns the index of the dropping rule among dropIfAny, or
// len(dropIfAny) for a keep_only drop, or -1 to keep the record.
func (p *policy) verdict(r *record) int {
	for i := range p.dropIfAny {
		ru := &p.dropIfAny[i]
		if ru.kinds&r.kind != 0 && ru.matches(r, i, r.dropOuter) {
			return i
		}
	}
	if p.keepKinds&r.kind == 0 {
		return -1
	}
	for i := range p.keepOnly {
		ru := &p.keepOnly[i]
		if ru.kinds&r.kind != 0 && ru.matches(r, i, r.keepOuter) {
			return -1
		}
	}
	return len(p.dropIfAny)
}

func (p *policy) hasRules() bool { return len(p.dropIfAny) > 0 || len(p.keepOnly) > 0 }

// testsKind reports whether any rule applies to records of kind k.
func (p *policy) testsKind(k match.RecordKind) bool {
	if p.keepKinds&k != 0 {
		return true
	}
	for i := range p.dropIfAny {
		if p.dropIfAny[i].kinds&k != 0 {
			return true
		}
	}
	return false
}
