package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"encoding/binary"
	"slices"

	"github.com/cespare/xxhash/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/ring"
)

// A route maps a routing key hash to a destination index. The pdata walks
// below split a request into one request per destination, copying only
// when the request really goes to more than one.

// attrsHash hashes a resource's attributes in key order, so the same
// resource hashes the same whatever order its attributes arrive in.
func attrsHash(m pcommon.Map) uint64 {
	keys := make([]string, 0, m.Len())
	for k := range m.All() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	d := xxhash.New()
	for _, k := range keys {
		v, _ := m.Get(k)
		_, _ = d.WriteString(k)
		_, _ = d.Write([]byte{0})
		_, _ = d.WriteString(v.AsString())
		_, _ = d.Write([]byte{0})
	}
	return d.Sum64()
}

// serviceHash hashes a resource's service.name (empty when absent).
func serviceHash(res pcommon.Resource) uint64 {
	v, _ := res.Attributes().Get("service.name")
	return xxhash.Sum64String(v.AsString())
}

// resourceKey is the key of a whole resource under the given routing key;
// ok is false when the key is per item (trace ID, metric, stream).
func resourceKey(key string, res pcommon.Resource) (uint64, bool) {
	switch key {
	case routingService:
		return serviceHash(res), true
	case routingResource:
		return attrsHash(res.Attributes()), true
	}
	return 0, false
}

func traceIDHash(id pcommon.TraceID) uint64 { return ring.KeyHash(id[:]) }

// tracesRoute splits td by destination. trace_id routes every span by its
// trace ID; service and resource route whole resources; metric and stream
// do not apply to traces and mean trace_id.
func tracesRoute(td ptrace.Traces, key string, pick func(uint64) int) map[int]ptrace.Traces {
	rss := td.ResourceSpans()
	// First pass: destinations, and whether there is more than one.
	var dest []int
	single := -2
	lastID, lastDest := pcommon.NewTraceIDEmpty(), -1
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		rk, perResource := resourceKey(key, rs.Resource())
		rd := -1
		if perResource {
			rd = pick(rk)
		}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				d := rd
				if !perResource {
					id := spans.At(k).TraceID()
					if id != lastID || lastDest < 0 {
						lastID, lastDest = id, pick(traceIDHash(id))
					}
					d = lastDest
				}
				dest = append(dest, d)
				if single == -2 {
					single = d
				} else if single != d {
					single = -1
				}
			}
		}
	}
	if single == -2 {
		return nil // no spans
	}
	if single >= 0 {
		return map[int]ptrace.Traces{single: td}
	}
	out := map[int]ptrace.Traces{}
	n := 0
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		curRS := map[int]ptrace.ResourceSpans{}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			curSS := map[int]ptrace.ScopeSpans{}
			for k := 0; k < ss.Spans().Len(); k++ {
				d := dest[n]
				n++
				dss, ok := curSS[d]
				if !ok {
					drs, ok := curRS[d]
					if !ok {
						t, ok := out[d]
						if !ok {
							t = ptrace.NewTraces()
							out[d] = t
						}
						drs = t.ResourceSpans().AppendEmpty()
						rs.Resource().CopyTo(drs.Resource())
						drs.SetSchemaUrl(rs.SchemaUrl())
						curRS[d] = drs
					}
					dss = drs.ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(dss.Scope())
					dss.SetSchemaUrl(ss.SchemaUrl())
					curSS[d] = dss
				}
				ss.Spans().At(k).CopyTo(dss.Spans().AppendEmpty())
			}
		}
	}
	return out
}

// logsRoute splits ld by destination. trace_id routes every record by its
// trace ID, and records without one by their resource; metric and stream
// mean trace_id.
func logsRoute(ld plog.Logs, key string, pick func(uint64) int) map[int]plog.Logs {
	rls := ld.ResourceLogs()
	var dest []int
	single := -2
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		rk, perResource := resourceKey(key, rl.Resource())
		rd := -1
		if perResource {
			rd = pick(rk)
		}
		resDest := -1 // for records without a trace ID, computed once
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			recs := rl.ScopeLogs().At(j).LogRecords()
			for k := 0; k < recs.Len(); k++ {
				d := rd
				if !perResource {
					if id := recs.At(k).TraceID(); !id.IsEmpty() {
						d = pick(traceIDHash(id))
					} else {
						if resDest < 0 {
							resDest = pick(attrsHash(rl.Resource().Attributes()))
						}
						d = resDest
					}
				}
				dest = append(dest, d)
				if single == -2 {
					single = d
				} else if single != d {
					single = -1
				}
			}
		}
	}
	if single == -2 {
		return nil
	}
	if single >= 0 {
		return map[int]plog.Logs{single: ld}
	}
	out := map[int]plog.Logs{}
	n := 0
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		curRL := map[int]plog.ResourceLogs{}
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			curSL := map[int]plog.ScopeLogs{}
			for k := 0; k < sl.LogRecords().Len(); k++ {
				d := dest[n]
				n++
				dsl, ok := curSL[d]
				if !ok {
					drl, ok := curRL[d]
					if !ok {
						l, ok := out[d]
						if !ok {
							l = plog.NewLogs()
							out[d] = l
						}
						drl = l.ResourceLogs().AppendEmpty()
						rl.Resource().CopyTo(drl.Resource())
						drl.SetSchemaUrl(rl.SchemaUrl())
						curRL[d] = drl
					}
					dsl = drl.ScopeLogs().AppendEmpty()
					sl.Scope().CopyTo(dsl.Scope())
					dsl.SetSchemaUrl(sl.SchemaUrl())
					curSL[d] = dsl
				}
				sl.LogRecords().At(k).CopyTo(dsl.LogRecords().AppendEmpty())
			}
		}
	}
	return out
}

// metricsRoute splits md by destination: service (also for trace_id) and
// resource route whole resources; metric routes every metric by its name;
// stream routes every data point by resource, scope, metric name and the
// point's attributes.
func metricsRoute(md pmetric.Metrics, key string, pick func(uint64) int) map[int]pmetric.Metrics {
	if key == routingTraceID {
		key = routingService
	}
	rms := md.ResourceMetrics()
	// Per-resource keys: route whole ResourceMetrics.
	if key == routingService || key == routingResource {
		dest := make([]int, rms.Len())
		single := -2
		for i := 0; i < rms.Len(); i++ {
			k, _ := resourceKey(key, rms.At(i).Resource())
			dest[i] = pick(k)
			if single == -2 {
				single = dest[i]
			} else if single != dest[i] {
				single = -1
			}
		}
		if single == -2 {
			return nil
		}
		if single >= 0 {
			return map[int]pmetric.Metrics{single: md}
		}
		out := map[int]pmetric.Metrics{}
		for i := 0; i < rms.Len(); i++ {
			m, ok := out[dest[i]]
			if !ok {
				m = pmetric.NewMetrics()
				out[dest[i]] = m
			}
			rms.At(i).CopyTo(m.ResourceMetrics().AppendEmpty())
		}
		return out
	}
	out := map[int]pmetric.Metrics{}
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		resHash := attrsHash(rm.Resource().Attributes())
		curRM := map[int]pmetric.ResourceMetrics{}
		for j := 0; j < rm.ScopeMetrics().Len(); j++ {
			sm := rm.ScopeMetrics().At(j)
			curSM := map[int]pmetric.ScopeMetrics{}
			scopeAt := func(d int) pmetric.ScopeMetrics {
				dsm, ok := curSM[d]
				if ok {
					return dsm
				}
				drm, ok := curRM[d]
				if !ok {
					m, ok := out[d]
					if !ok {
						m = pmetric.NewMetrics()
						out[d] = m
					}
					drm = m.ResourceMetrics().AppendEmpty()
					rm.Resource().CopyTo(drm.Resource())
					drm.SetSchemaUrl(rm.SchemaUrl())
					curRM[d] = drm
				}
				dsm = drm.ScopeMetrics().AppendEmpty()
				sm.Scope().CopyTo(dsm.Scope())
				dsm.SetSchemaUrl(sm.SchemaUrl())
				curSM[d] = dsm
				return dsm
			}
			for k := 0; k < sm.Metrics().Len(); k++ {
				m := sm.Metrics().At(k)
				if key == routingMetric {
					m.CopyTo(scopeAt(pick(xxhash.Sum64String(m.Name()))).Metrics().AppendEmpty())
					continue
				}
				streamSplit(m, streamPrefix(resHash, sm.Scope().Name(), m.Name()), pick, scopeAt)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// streamPrefix hashes what a stream key shares across its points.
func streamPrefix(resHash uint64, scope, name string) uint64 {
	d := xxhash.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], resHash)
	_, _ = d.Write(b[:])
	_, _ = d.WriteString(scope)
	_, _ = d.Write([]byte{0})
	_, _ = d.WriteString(name)
	return d.Sum64()
}

func streamHash(prefix uint64, attrs pcommon.Map) uint64 {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], prefix)
	binary.LittleEndian.PutUint64(b[8:], attrsHash(attrs))
	return xxhash.Sum64(b[:])
}

// streamSplit appends each data point of m to a copy of m (without
// points) in its destination's scope.
func streamSplit(m pmetric.Metric, prefix uint64, pick func(uint64) int, scopeAt func(int) pmetric.ScopeMetrics) {
	shells := map[int]pmetric.Metric{}
	shell := func(d int) pmetric.Metric {
		if s, ok := shells[d]; ok {
			return s
		}
		s := scopeAt(d).Metrics().AppendEmpty()
		s.SetName(m.Name())
		s.SetDescription(m.Description())
		s.SetUnit(m.Unit())
		m.Metadata().CopyTo(s.Metadata())
		switch m.Type() {
		case pmetric.MetricTypeGauge:
			s.SetEmptyGauge()
		case pmetric.MetricTypeSum:
			s.SetEmptySum().SetAggregationTemporality(m.Sum().AggregationTemporality())
			s.Sum().SetIsMonotonic(m.Sum().IsMonotonic())
		case pmetric.MetricTypeHistogram:
			s.SetEmptyHistogram().SetAggregationTemporality(m.Histogram().AggregationTemporality())
		case pmetric.MetricTypeExponentialHistogram:
			s.SetEmptyExponentialHistogram().SetAggregationTemporality(m.ExponentialHistogram().AggregationTemporality())
		case pmetric.MetricTypeSummary:
			s.SetEmptySummary()
		}
		shells[d] = s
		return s
	}
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		for _, dp := range m.Gauge().DataPoints().All() {
			dp.CopyTo(shell(pick(streamHash(prefix, dp.Attributes()))).Gauge().DataPoints().AppendEmpty())
		}
	case pmetric.MetricTypeSum:
		for _, dp := range m.Sum().DataPoints().All() {
			dp.CopyTo(shell(pick(streamHash(prefix, dp.Attributes()))).Sum().DataPoints().AppendEmpty())
		}
	case pmetric.MetricTypeHistogram:
		for _, dp := range m.Histogram().DataPoints().All() {
			dp.CopyTo(shell(pick(streamHash(prefix, dp.Attributes()))).Histogram().DataPoints().AppendEmpty())
		}
	case pmetric.MetricTypeExponentialHistogram:
		for _, dp := range m.ExponentialHistogram().DataPoints().All() {
			dp.CopyTo(shell(pick(streamHash(prefix, dp.Attributes()))).ExponentialHistogram().DataPoints().AppendEmpty())
		}
	case pmetric.MetricTypeSummary:
		for _, dp := range m.Summary().DataPoints().All() {
			dp.CopyTo(shell(pick(streamHash(prefix, dp.Attributes()))).Summary().DataPoints().AppendEmpty())
		}
	default:
		m.CopyTo(scopeAt(pick(prefix)).Metrics().AppendEmpty())
	}
}
