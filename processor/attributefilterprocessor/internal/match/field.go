package match

import (
	"fmt"
	"strconv"
	"strings"
)

// Source says where a field's value comes from.
type Source uint8

const (
	// SourceResource is an attribute of the resource.
	SourceResource Source = iota + 1
	// SourceScope is an attribute of the instrumentation scope.
	SourceScope
	// SourceRecord is an attribute of the record itself (span, span event, span link, data point, log record).
	SourceRecord
	// SourceOwn is one of the record's own fields (see Own).
	SourceOwn
)

// Own names a record's own field.
type Own uint8

// The fields of a record itself (OwnNone: an attribute, not a field).
const (
	OwnNone Own = iota
	OwnScopeName
	OwnSpanName
	OwnSpanKind
	OwnSpanStatus
	OwnSpanEventName
	OwnMetricName
	OwnMetricType
	OwnLogSeverityText
	OwnLogSeverityNumber
	OwnLogBody
)

// RecordKind is a kind of record a rule can apply to.
type RecordKind uint8

// The record kinds, as bits of a set.
const (
	KindSpan RecordKind = 1 << iota
	KindSpanEvent
	KindSpanLink
	KindDataPoint
	KindLog

	// KindsPrimary are the records a rule without own fields applies to by default.
	KindsPrimary = KindSpan | KindDataPoint | KindLog
	// KindsAll is every record kind.
	KindsAll = KindSpan | KindSpanEvent | KindSpanLink | KindDataPoint | KindLog
)

// KindNames maps the configuration names of record kinds.
var KindNames = map[string]RecordKind{
	"spans":       KindSpan,
	"span_events": KindSpanEvent,
	"span_links":  KindSpanLink,
	"datapoints":  KindDataPoint,
	"logs":        KindLog,
}

var ownFields = map[string]struct {
	own   Own
	kinds RecordKind
}{
	"scope.name":          {OwnScopeName, KindsAll},
	"span.name":           {OwnSpanName, KindSpan},
	"span.kind":           {OwnSpanKind, KindSpan},
	"span.status":         {OwnSpanStatus, KindSpan},
	"span_event.name":     {OwnSpanEventName, KindSpanEvent},
	"metric.name":         {OwnMetricName, KindDataPoint},
	"metric.type":         {OwnMetricType, KindDataPoint},
	"log.severity_text":   {OwnLogSeverityText, KindLog},
	"log.severity_number": {OwnLogSeverityNumber, KindLog},
	"log.body":            {OwnLogBody, KindLog},
}

// Field is a parsed field reference.
type Field struct {
	Source Source
	Key    string     // attribute key for SourceResource, SourceScope, SourceRecord
	Own    Own        // for SourceOwn
	Kinds  RecordKind // record kinds that have this field
}

// ParseField parses `resource.attributes["k"]`, `scope.attributes["k"]`,
// `attributes["k"]` or one of the own field names (span.name, span.kind,
// span.status, span_event.name, metric.name, metric.type, log.severity_text,
// log.severity_number, log.body, scope.name).
func ParseField(s string) (Field, error) {
	if f, ok := ownFields[s]; ok {
		return Field{Source: SourceOwn, Own: f.own, Kinds: f.kinds}, nil
	}
	for _, p := range []struct {
		prefix string
		src    Source
	}{{"resource.attributes[", SourceResource}, {"scope.attributes[", SourceScope}, {"attributes[", SourceRecord}} {
		rest, ok := strings.CutPrefix(s, p.prefix)
		if !ok {
			continue
		}
		quoted, ok := strings.CutSuffix(rest, "]")
		if !ok {
			return Field{}, fmt.Errorf("unknown field %q: missing closing ]", s)
		}
		key, err := strconv.Unquote(quoted)
		if err != nil || !strings.HasPrefix(quoted, `"`) {
			return Field{}, fmt.Errorf("unknown field %q: the key must be a double-quoted string", s)
		}
		if key == "" {
			return Field{}, fmt.Errorf("unknown field %q: empty key", s)
		}
		return Field{Source: p.src, Key: key, Kinds: KindsAll}, nil
	}
	return Field{}, fmt.Errorf("unknown field %q", s)
}
