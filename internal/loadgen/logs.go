package loadgen

import (
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// logTraceShare is the share of log records that carry a trace context.
const logTraceShare = 0.6

// Logs returns the next n log records of the stream (n below 1 gives an
// empty value), exactly n of them, grouped by resource under one scope named
// ScopeName.
//
// Record i of the stream is timestamped Config.Start + i ms. About 60% of
// records carry a trace context: record i then holds the trace ID and root
// span ID of trace i of the traces stream of the same Config, comes from
// that trace's root service instance, and is ERROR when that trace is an
// error trace. The other records come from a random instance. Severities are
// about 70% INFO, 12% WARN, 10% DEBUG and 8% ERROR; bodies are short
// sentences naming routes, entity IDs, queries (and, with PII, e-mail and IP
// addresses).
func (g *Generator) Logs(n int) plog.Logs {
	ld := plog.NewLogs()
	if n < 1 {
		return ld
	}
	c := g.cfg
	scopes := make([]plog.LogRecordSlice, len(g.services)*instancesPerService)
	for range n {
		i := g.nextLog
		g.nextLog++
		r := g.itemRand(streamLogs, i)

		var (
			traceID        pcommon.TraceID
			spanID         pcommon.SpanID
			svc, inst      int
			errorTrace     bool
			withTraceCtx   = r.Float64() < logTraceShare
			severityNumber plog.SeverityNumber
		)
		if withTraceCtx {
			h := g.head(i)
			traceID, spanID = h.id, h.rootID
			svc, inst = h.rootSvc, h.rootInst
			errorTrace = h.kind == kindError
		} else {
			svc = r.IntN(c.Services)
			inst = instanceFor(r, r.Float64() < stagingShare)
		}
		switch u := r.Float64(); {
		case errorTrace || u < 0.08:
			severityNumber = plog.SeverityNumberError
		case u < 0.20:
			severityNumber = plog.SeverityNumberWarn
		case u < 0.30:
			severityNumber = plog.SeverityNumberDebug
		default:
			severityNumber = plog.SeverityNumberInfo
		}

		res := resourceIndex(svc, inst)
		if scopes[res] == (plog.LogRecordSlice{}) {
			rl := ld.ResourceLogs().AppendEmpty()
			resourceAttrs(g.services[svc], svc, inst, rl.Resource().Attributes())
			sl := rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName(ScopeName)
			sl.Scope().SetVersion(scopeVersion)
			scopes[res] = sl.LogRecords()
		}
		lr := scopes[res].AppendEmpty()
		ts := pcommon.NewTimestampFromTime(c.Start.Add(time.Duration(i) * time.Millisecond))
		lr.SetTimestamp(ts)
		lr.SetObservedTimestamp(ts)
		lr.SetSeverityNumber(severityNumber)
		lr.SetSeverityText(severityText(severityNumber))
		if withTraceCtx {
			lr.SetTraceID(traceID)
			lr.SetSpanID(spanID)
			lr.SetFlags(plog.DefaultLogRecordFlags.WithIsSampled(true))
		}

		s := g.services[svc]
		rt := s.routes[r.IntN(len(s.routes))]
		entity := r.IntN(c.AttrCardinality)
		q := s.db.queries[r.IntN(len(s.db.queries))]
		a := lr.Attributes()
		a.EnsureCapacity(5)
		a.PutStr("code.function.name", s.name+".handle"+rt.method)
		a.PutStr("http.route", rt.template)
		var body string
		switch severityNumber {
		case plog.SeverityNumberError:
			body = rt.method + " " + rt.path(entity) + " failed: " + q.operation + " on " + s.db.collection + " timed out after 5s"
			a.PutStr("exception.type", "QueryTimeoutError")
		case plog.SeverityNumberWarn:
			body = "slow query on " + s.db.collection + " took " + strconv.Itoa(500+r.IntN(4500)) + " ms: " + q.text
		case plog.SeverityNumberDebug:
			body = "cache lookup for " + s.db.collection + ":" + strconv.Itoa(entity) + " missed"
		default:
			body = rt.method + " " + rt.path(entity) + " completed with " + strconv.FormatInt(okStatus(rt.method), 10) + " in " + strconv.Itoa(2+r.IntN(198)) + " ms"
		}
		if c.PII {
			user := r.IntN(c.AttrCardinality)
			a.PutStr("user.id", "user-"+strconv.Itoa(user))
			a.PutStr("user.email", userEmail(user))
			a.PutStr("client.address", clientAddress(user))
			if severityNumber == plog.SeverityNumberInfo && r.Float64() < 0.5 {
				body = "user " + userEmail(user) + " signed in from " + clientAddress(user)
			}
		}
		lr.Body().SetStr(body)
	}
	return ld
}

func severityText(n plog.SeverityNumber) string {
	switch n {
	case plog.SeverityNumberError:
		return "ERROR"
	case plog.SeverityNumberWarn:
		return "WARN"
	case plog.SeverityNumberDebug:
		return "DEBUG"
	default:
		return "INFO"
	}
}
