package loadgen

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// ScopeName is the instrumentation scope of everything the Generator builds.
const ScopeName = "github.com/otelgate/otelgate/internal/loadgen"

const scopeVersion = "1.0.0"

type traceKind uint8

const (
	kindNormal traceKind = iota
	kindHealthCheck
	kindError
	kindSlow
)

// traceHead is what is decided first about trace j; logs reuse it to point
// at the trace.
type traceHead struct {
	id       pcommon.TraceID
	rootID   pcommon.SpanID
	kind     traceKind
	staging  bool
	rootSvc  int
	rootInst int
	start    pcommon.Timestamp
	r        *rand.Rand
}

func (g *Generator) head(j uint64) traceHead {
	r := g.itemRand(streamTraces, j)
	h := traceHead{r: r}
	binary.BigEndian.PutUint64(h.id[:8], r.Uint64())
	binary.BigEndian.PutUint64(h.id[8:], r.Uint64())
	if h.id.IsEmpty() {
		h.id[15] = 1
	}
	h.rootID = newSpanID(r)
	u := g.categoryDraw(j)
	c := g.cfg
	switch {
	case u < c.HealthCheckShare:
		h.kind = kindHealthCheck
	case u < c.HealthCheckShare+c.ErrorShare:
		h.kind = kindError
	case u < c.HealthCheckShare+c.ErrorShare+c.SlowShare:
		h.kind = kindSlow
	}
	h.staging = r.Float64() < stagingShare
	h.rootSvc = r.IntN(c.Services)
	h.rootInst = instanceFor(r, h.staging)
	h.start = pcommon.NewTimestampFromTime(c.Start.Add(time.Duration(j) * time.Millisecond))
	return h
}

// categoryDraw is the uniform draw in [0, 1) that picks the category of
// trace j. It is a Weyl sequence (j times the golden ratio, modulo 1, from a
// seed-dependent offset) rather than an independent draw, so that every run
// of consecutive traces holds each category at its share to within a few
// traces, while the categories of neighbouring traces still look random.
func (g *Generator) categoryDraw(j uint64) float64 {
	x := splitmix(uint64(g.cfg.Seed)^streamCategories) + j*0x9e3779b97f4a7c15
	return float64(x>>11) / (1 << 53)
}

func newSpanID(r *rand.Rand) pcommon.SpanID {
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], r.Uint64())
	if id.IsEmpty() {
		id[7] = 1
	}
	return id
}

// Traces returns the next n traces of the stream (n below 1 gives an empty
// value). Every trace has exactly Config.SpansPerTrace spans, so the result
// holds n*SpansPerTrace spans; spans are grouped by resource (one
// ResourceSpans per service instance that has spans, in order of first
// appearance) under one scope named ScopeName.
//
// Trace i of the stream starts at Config.Start + i ms. Its root is a SERVER
// span of a service drawn uniformly; each further span is either an HTTP
// CLIENT span followed by the SERVER span of the called service (two
// spans), or a DB CLIENT span. About 10% of traces run on the staging
// instances (deployment.environment "staging").
func (g *Generator) Traces(n int) ptrace.Traces {
	td := ptrace.NewTraces()
	if n < 1 {
		return td
	}
	b := traceBuilder{g: g, td: td, slices: make([]ptrace.SpanSlice, len(g.services)*instancesPerService)}
	for range n {
		b.trace(g.head(g.nextTrace))
		g.nextTrace++
	}
	return td
}

type traceBuilder struct {
	g      *Generator
	td     ptrace.Traces
	slices []ptrace.SpanSlice // by resource index; zero until first used
	wide   []ptrace.Span      // spans of the current trace still to widen (Config.WideAttributes)
}

func (b *traceBuilder) newSpan(svc, inst int) ptrace.Span {
	res := resourceIndex(svc, inst)
	if b.slices[res] == (ptrace.SpanSlice{}) {
		rs := b.td.ResourceSpans().AppendEmpty()
		resourceAttrs(b.g.services[svc], svc, inst, rs.Resource().Attributes())
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName(ScopeName)
		ss.Scope().SetVersion(scopeVersion)
		b.slices[res] = ss.Spans()
	}
	s := b.slices[res].AppendEmpty()
	if b.g.cfg.WideAttributes > 0 {
		b.wide = append(b.wide, s)
	}
	return s
}

// serverNode is a SERVER span that can parent further spans.
type serverNode struct {
	id         pcommon.SpanID
	svc, inst  int
	start, end pcommon.Timestamp
}

func (b *traceBuilder) trace(h traceHead) {
	g, r, c := b.g, h.r, b.g.cfg
	k := c.SpansPerTrace
	errorAt := -1
	if h.kind == kindError {
		errorAt = 0
		if k > 1 {
			errorAt = 1 + r.IntN(k-1)
		}
	}

	// Root SERVER span.
	svc := g.services[h.rootSvc]
	rt := healthRoute
	if h.kind != kindHealthCheck {
		rt = svc.routes[r.IntN(len(svc.routes))]
	}
	entity := r.IntN(c.AttrCardinality)
	end := h.start + rootDuration(r, h.kind)
	root := b.newSpan(h.rootSvc, h.rootInst)
	b.fillServer(root, h, pcommon.SpanID{}, h.rootID, svc, rt, entity, h.start, end)
	if c.PII && h.kind != kindHealthCheck {
		user := r.IntN(c.AttrCardinality)
		a := root.Attributes()
		a.PutStr("user.id", "user-"+strconv.Itoa(user))
		a.PutStr("user.email", userEmail(user))
		a.PutStr("client.address", clientAddress(user))
	}
	if h.kind == kindError {
		root.Attributes().PutInt("http.response.status_code", 500)
		root.Status().SetCode(ptrace.StatusCodeError)
		root.Status().SetMessage("500 Internal Server Error")
		if errorAt == 0 {
			addException(root, "RuntimeError", "unhandled error in "+rt.template, end)
		}
	}

	servers := []serverNode{{id: h.rootID, svc: h.rootSvc, inst: h.rootInst, start: h.start, end: end}}
	for n := 1; n < k; {
		p := servers[r.IntN(len(servers))]
		if k-n >= 2 && h.kind != kindHealthCheck && r.Float64() < 0.5 {
			callee := r.IntN(c.Services)
			calleeInst := instanceFor(r, h.staging)
			cs := g.services[callee]
			crt := cs.routes[r.IntN(len(cs.routes))]
			id := r.IntN(c.AttrCardinality)
			start, stop := childInterval(r, p.start, p.end)

			client := b.newSpan(p.svc, p.inst)
			clientID := newSpanID(r)
			client.SetTraceID(h.id)
			client.SetSpanID(clientID)
			client.SetParentSpanID(p.id)
			client.SetName(crt.method)
			client.SetKind(ptrace.SpanKindClient)
			client.SetStartTimestamp(start)
			client.SetEndTimestamp(stop)
			a := client.Attributes()
			a.EnsureCapacity(5)
			a.PutStr("http.request.method", crt.method)
			a.PutStr("url.full", "http://"+cs.name+":8080"+crt.path(id))
			a.PutStr("server.address", cs.name)
			a.PutInt("server.port", 8080)
			a.PutInt("http.response.status_code", okStatus(crt.method))
			if errorAt == n || errorAt == n+1 {
				a.PutInt("http.response.status_code", 500)
				client.Status().SetCode(ptrace.StatusCodeError)
				client.Status().SetMessage("500 Internal Server Error")
			}
			if errorAt == n {
				addException(client, "HTTPError", crt.method+" "+cs.name+" failed: connection reset by peer", stop)
			}

			margin := (stop - start) / 20
			server := b.newSpan(callee, calleeInst)
			serverID := newSpanID(r)
			b.fillServer(server, h, clientID, serverID, cs, crt, id, start+margin, stop-margin)
			if errorAt == n+1 {
				server.Attributes().PutInt("http.response.status_code", 500)
				server.Status().SetCode(ptrace.StatusCodeError)
				server.Status().SetMessage("500 Internal Server Error")
				addException(server, "RuntimeError", "unhandled error in "+crt.template, stop-margin)
			}
			servers = append(servers, serverNode{id: serverID, svc: callee, inst: calleeInst, start: start + margin, end: stop - margin})
			n += 2
			continue
		}

		ps := g.services[p.svc]
		q := query{operation: "SELECT", text: "SELECT 1"}
		if ps.db.system == "redis" {
			q = query{operation: "PING", text: "PING"}
		}
		name := q.operation
		if h.kind != kindHealthCheck {
			q = ps.db.queries[r.IntN(len(ps.db.queries))]
			name = q.operation + " " + ps.db.collection
		}
		start, stop := childInterval(r, p.start, p.end)
		db := b.newSpan(p.svc, p.inst)
		db.SetTraceID(h.id)
		db.SetSpanID(newSpanID(r))
		db.SetParentSpanID(p.id)
		db.SetName(name)
		db.SetKind(ptrace.SpanKindClient)
		db.SetStartTimestamp(start)
		db.SetEndTimestamp(stop)
		a := db.Attributes()
		a.EnsureCapacity(5)
		a.PutStr("db.system", ps.db.system)
		a.PutStr("db.query.text", q.text)
		a.PutStr("db.operation.name", q.operation)
		a.PutStr("db.collection.name", ps.db.collection)
		a.PutStr("server.address", ps.db.system+"."+namespace(h.staging)+".svc")
		if errorAt == n {
			db.Status().SetCode(ptrace.StatusCodeError)
			db.Status().SetMessage("query timed out after 5s")
			addException(db, "QueryTimeoutError", "query timed out after 5s: "+q.text, stop)
		}
		n++
	}
	for _, s := range b.wide {
		widen(s, r, c.WideAttributes)
	}
	b.wide = b.wide[:0]
}

func (b *traceBuilder) fillServer(s ptrace.Span, h traceHead, parent, id pcommon.SpanID, svc service, rt route, entity int, start, end pcommon.Timestamp) {
	s.SetTraceID(h.id)
	s.SetSpanID(id)
	s.SetParentSpanID(parent)
	s.SetName(rt.method + " " + rt.template)
	s.SetKind(ptrace.SpanKindServer)
	s.SetStartTimestamp(start)
	s.SetEndTimestamp(end)
	a := s.Attributes()
	a.EnsureCapacity(8)
	a.PutStr("http.request.method", rt.method)
	a.PutStr("http.route", rt.template)
	if rt.template == HealthCheckRoute {
		a.PutStr("url.path", HealthCheckRoute)
	} else {
		a.PutStr("url.path", rt.path(entity))
	}
	a.PutStr("url.scheme", "http")
	a.PutStr("server.address", svc.name)
	a.PutInt("server.port", 8080)
	a.PutInt("http.response.status_code", okStatus(rt.method))
}

func okStatus(method string) int64 {
	if method == "POST" {
		return 201
	}
	return 200
}

func namespace(staging bool) string {
	if staging {
		return "shop-staging"
	}
	return "shop"
}

func addException(s ptrace.Span, typ, msg string, at pcommon.Timestamp) {
	ev := s.Events().AppendEmpty()
	ev.SetName("exception")
	ev.SetTimestamp(at)
	ev.Attributes().PutStr("exception.type", typ)
	ev.Attributes().PutStr("exception.message", msg)
	ev.Attributes().PutStr("exception.stacktrace", typ+": "+msg+"\n\tat handler (server.go:118)\n\tat main (main.go:42)")
}

// rootDuration: health checks 0.2-2 ms, slow traces 2-10 s, others 2-200 ms
// (log-uniform).
func rootDuration(r *rand.Rand, k traceKind) pcommon.Timestamp {
	var lo, hi float64 // milliseconds
	switch k {
	case kindHealthCheck:
		lo, hi = 0.2, 2
	case kindSlow:
		return pcommon.Timestamp(2*time.Second) + pcommon.Timestamp(r.Int64N(int64(8*time.Second)))
	default:
		lo, hi = 2, 200
	}
	ms := math.Exp(math.Log(lo) + r.Float64()*(math.Log(hi)-math.Log(lo)))
	return pcommon.Timestamp(ms * float64(time.Millisecond))
}

// childInterval places a child inside its parent's interval.
func childInterval(r *rand.Rand, start, end pcommon.Timestamp) (pcommon.Timestamp, pcommon.Timestamp) {
	d := float64(end - start)
	s := start + pcommon.Timestamp(d*(0.02+0.48*r.Float64()))
	e := s + pcommon.Timestamp(float64(end-s)*(0.1+0.8*r.Float64()))
	return s, e
}

func userEmail(user int) string { return "user" + strconv.Itoa(user) + "@example.com" }

func clientAddress(user int) string {
	return "10." + strconv.Itoa((user>>16)&255) + "." + strconv.Itoa((user>>8)&255) + "." + strconv.Itoa(user&255)
}
