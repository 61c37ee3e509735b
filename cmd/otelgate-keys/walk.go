package main

import (
	"encoding/json"
	"errors"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

// walker decrypts, in place, every value of an export that is in the
// encrypted format. A value that fails stays as it was and is counted.
type walker struct {
	ring      *keyring.Ring
	codec     codec.Codec
	decrypted int
	failures  map[string]int
}

func (w *walker) failed() int {
	n := 0
	for _, c := range w.failures {
		n += c
	}
	return n
}

// document decrypts one OTLP JSON document (traces, metrics or logs).
func (w *walker) document(doc []byte) ([]byte, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(doc, &probe); err != nil {
		return nil, err
	}
	switch {
	case probe["resourceSpans"] != nil:
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(doc)
		if err != nil {
			return nil, err
		}
		w.traces(td)
		return (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	case probe["resourceMetrics"] != nil:
		md, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(doc)
		if err != nil {
			return nil, err
		}
		w.metrics(md)
		return (&pmetric.JSONMarshaler{}).MarshalMetrics(md)
	case probe["resourceLogs"] != nil:
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(doc)
		if err != nil {
			return nil, err
		}
		w.logs(ld)
		return (&plog.JSONMarshaler{}).MarshalLogs(ld)
	}
	return nil, errors.New("not an OTLP JSON export (no resourceSpans, resourceMetrics or resourceLogs)")
}

func (w *walker) value(v pcommon.Value, level codec.Level, key string) {
	if v.Type() != pcommon.ValueTypeStr || !codec.IsEncrypted(v.Str()) {
		return
	}
	if err := w.codec.Decrypt(w.ring, level, key, v.Str(), v); err != nil {
		reason := "malformed"
		var e *codec.Error
		if errors.As(err, &e) {
			reason = e.Reason.String()
		}
		w.failures[reason]++
		return
	}
	w.decrypted++
}

func (w *walker) attrs(m pcommon.Map, level codec.Level) {
	for k, v := range m.All() {
		w.value(v, level, k)
	}
}

func (w *walker) traces(td ptrace.Traces) {
	for _, rs := range td.ResourceSpans().All() {
		w.attrs(rs.Resource().Attributes(), codec.LevelResource)
		for _, ss := range rs.ScopeSpans().All() {
			w.attrs(ss.Scope().Attributes(), codec.LevelScope)
			for _, s := range ss.Spans().All() {
				w.attrs(s.Attributes(), codec.LevelRecord)
				for _, e := range s.Events().All() {
					w.attrs(e.Attributes(), codec.LevelEvent)
				}
				for _, l := range s.Links().All() {
					w.attrs(l.Attributes(), codec.LevelLink)
				}
			}
		}
	}
}

func (w *walker) logs(ld plog.Logs) {
	for _, rl := range ld.ResourceLogs().All() {
		w.attrs(rl.Resource().Attributes(), codec.LevelResource)
		for _, sl := range rl.ScopeLogs().All() {
			w.attrs(sl.Scope().Attributes(), codec.LevelScope)
			for _, lr := range sl.LogRecords().All() {
				w.attrs(lr.Attributes(), codec.LevelRecord)
				w.value(lr.Body(), codec.LevelBody, "")
			}
		}
	}
}

func (w *walker) metrics(md pmetric.Metrics) {
	for _, rm := range md.ResourceMetrics().All() {
		w.attrs(rm.Resource().Attributes(), codec.LevelResource)
		for _, sm := range rm.ScopeMetrics().All() {
			w.attrs(sm.Scope().Attributes(), codec.LevelScope)
			for _, m := range sm.Metrics().All() {
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					for _, dp := range m.Gauge().DataPoints().All() {
						w.attrs(dp.Attributes(), codec.LevelRecord)
					}
				case pmetric.MetricTypeSum:
					for _, dp := range m.Sum().DataPoints().All() {
						w.attrs(dp.Attributes(), codec.LevelRecord)
					}
				case pmetric.MetricTypeHistogram:
					for _, dp := range m.Histogram().DataPoints().All() {
						w.attrs(dp.Attributes(), codec.LevelRecord)
					}
				case pmetric.MetricTypeExponentialHistogram:
					for _, dp := range m.ExponentialHistogram().DataPoints().All() {
						w.attrs(dp.Attributes(), codec.LevelRecord)
					}
				case pmetric.MetricTypeSummary:
					for _, dp := range m.Summary().DataPoints().All() {
						w.attrs(dp.Attributes(), codec.LevelRecord)
					}
				}
			}
		}
	}
}
