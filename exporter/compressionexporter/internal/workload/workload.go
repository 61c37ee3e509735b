package workload // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"

import (
	"fmt"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var (
	services = []string{"checkout", "cart", "payment", "frontend", "product-catalog", "shipping", "recommendation", "ad"}
	routes   = []string{"/api/cart", "/api/checkout", "/api/products/{id}", "/api/recommendations", "/api/shipping/quote", "/api/currency/convert", "/healthz"}
	methods  = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	dbOps    = []string{"SELECT", "INSERT", "UPDATE"}
	tables   = []string{"orders", "carts", "products", "users", "payments"}
	hosts    = []string{"ip-10-0-1-17.ec2.internal", "ip-10-0-2-41.ec2.internal", "ip-10-0-3-8.ec2.internal"}
	logTmpl  = []string{
		"request completed method=%s route=%s status=%d duration_ms=%d",
		"cache miss for key product:%d, loading from database",
		"user %d added item %d to cart (quantity=%d)",
		"payment authorized order_id=%d amount=%d.%02d currency=USD",
		"retrying upstream call attempt=%d backoff_ms=%d",
	}
	base = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
)

func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func resource(r pcommon.Resource, svc string, rnd *rand.Rand) {
	a := r.Attributes()
	a.PutStr("service.name", svc)
	a.PutStr("service.namespace", "shop")
	a.PutStr("service.version", "1.14.2")
	a.PutStr("deployment.environment.name", "production")
	a.PutStr("host.name", hosts[rnd.IntN(len(hosts))])
	a.PutStr("k8s.namespace.name", "shop-prod")
	a.PutStr("k8s.pod.name", fmt.Sprintf("%s-7d9f8b6c5-%05x", svc, rnd.IntN(1<<20)))
	a.PutStr("k8s.node.name", hosts[rnd.IntN(len(hosts))])
	a.PutStr("cloud.provider", "aws")
	a.PutStr("cloud.region", "eu-west-1")
	a.PutStr("telemetry.sdk.name", "opentelemetry")
	a.PutStr("telemetry.sdk.language", "go")
	a.PutStr("telemetry.sdk.version", "1.38.0")
}

func ids(rnd *rand.Rand) (pcommon.TraceID, pcommon.SpanID) {
	var t pcommon.TraceID
	var s pcommon.SpanID
	for i := range t {
		t[i] = byte(rnd.UintN(256))
	}
	for i := range s {
		s[i] = byte(rnd.UintN(256))
	}
	return t, s
}

// Traces returns spans spread over the services, in traces of 1-8 spans.
func Traces(seed uint64, spans int) ptrace.Traces {
	rnd := rng(seed)
	td := ptrace.NewTraces()
	perService := map[string]ptrace.SpanSlice{}
	for n := 0; n < spans; {
		tid, _ := ids(rnd)
		depth := 1 + rnd.IntN(8)
		var parent pcommon.SpanID
		start := base.Add(time.Duration(rnd.IntN(60_000)) * time.Millisecond)
		for d := 0; d < depth && n < spans; d++ {
			svc := services[rnd.IntN(len(services))]
			ss, ok := perService[svc]
			if !ok {
				rs := td.ResourceSpans().AppendEmpty()
				resource(rs.Resource(), svc, rnd)
				sc := rs.ScopeSpans().AppendEmpty()
				sc.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
				sc.Scope().SetVersion("0.63.0")
				ss = sc.Spans()
				perService[svc] = ss
			}
			sp := ss.AppendEmpty()
			_, sid := ids(rnd)
			sp.SetTraceID(tid)
			sp.SetSpanID(sid)
			sp.SetParentSpanID(parent)
			parent = sid
			dur := time.Duration(200+rnd.IntN(90_000)) * time.Microsecond
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(dur)))
			start = start.Add(dur / 3)
			a := sp.Attributes()
			switch rnd.IntN(3) {
			case 0:
				m, rt := methods[rnd.IntN(len(methods))], routes[rnd.IntN(len(routes))]
				sp.SetName(m + " " + rt)
				sp.SetKind(ptrace.SpanKindServer)
				a.PutStr("http.request.method", m)
				a.PutStr("http.route", rt)
				a.PutStr("url.scheme", "https")
				a.PutStr("url.path", fmt.Sprintf("%s?id=%d", rt, rnd.IntN(100000)))
				a.PutStr("server.address", "shop.example.com")
				a.PutInt("server.port", 443)
				a.PutStr("network.protocol.version", "1.1")
				a.PutStr("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
				a.PutStr("client.address", fmt.Sprintf("10.0.%d.%d", rnd.IntN(8), rnd.IntN(255)))
				code := 200
				if rnd.IntN(20) == 0 {
					code = 500
					sp.Status().SetCode(ptrace.StatusCodeError)
				}
				a.PutInt("http.response.status_code", int64(code))
				a.PutInt("http.response.body.size", int64(rnd.IntN(20000)))
			case 1:
				op, tb := dbOps[rnd.IntN(len(dbOps))], tables[rnd.IntN(len(tables))]
				sp.SetName(op + " " + tb)
				sp.SetKind(ptrace.SpanKindClient)
				a.PutStr("db.system.name", "postgresql")
				a.PutStr("db.namespace", "shop")
				a.PutStr("db.operation.name", op)
				a.PutStr("db.collection.name", tb)
				a.PutStr("db.query.text", fmt.Sprintf("%s * FROM %s WHERE id = $1 AND tenant_id = $2", op, tb))
				a.PutStr("server.address", "postgres.shop-prod.svc.cluster.local")
				a.PutInt("server.port", 5432)
			default:
				svc2 := services[rnd.IntN(len(services))]
				sp.SetName("oteldemo." + svc2 + "Service/Get")
				sp.SetKind(ptrace.SpanKindClient)
				a.PutStr("rpc.system", "grpc")
				a.PutStr("rpc.service", "oteldemo."+svc2+"Service")
				a.PutStr("rpc.method", "Get")
				a.PutInt("rpc.grpc.status_code", 0)
				a.PutStr("server.address", svc2+":8080")
				if rnd.IntN(4) == 0 {
					ev := sp.Events().AppendEmpty()
					ev.SetName("message")
					ev.SetTimestamp(pcommon.NewTimestampFromTime(start))
					ev.Attributes().PutStr("message.type", "SENT")
					ev.Attributes().PutInt("message.id", 1)
				}
			}
			n++
		}
	}
	return td
}

// Metrics returns about points data points: sums, gauges and histograms.
func Metrics(seed uint64, points int) pmetric.Metrics {
	rnd := rng(seed)
	md := pmetric.NewMetrics()
	n := 0
	for n < points {
		for _, svc := range services {
			if n >= points {
				break
			}
			rm := md.ResourceMetrics().AppendEmpty()
			resource(rm.Resource(), svc, rnd)
			sm := rm.ScopeMetrics().AppendEmpty()
			sm.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/runtime")
			ts := pcommon.NewTimestampFromTime(base.Add(time.Duration(n) * time.Second))
			st := pcommon.NewTimestampFromTime(base)

			m := sm.Metrics().AppendEmpty()
			m.SetName("http.server.request.duration")
			m.SetUnit("s")
			m.SetDescription("Duration of HTTP server requests.")
			h := m.SetEmptyHistogram()
			h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			for _, rt := range routes {
				if n >= points {
					break
				}
				dp := h.DataPoints().AppendEmpty()
				dp.SetStartTimestamp(st)
				dp.SetTimestamp(ts)
				dp.Attributes().PutStr("http.request.method", methods[rnd.IntN(len(methods))])
				dp.Attributes().PutStr("http.route", rt)
				dp.Attributes().PutInt("http.response.status_code", 200)
				bounds := []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
				dp.ExplicitBounds().FromRaw(bounds)
				var total uint64
				counts := make([]uint64, len(bounds)+1)
				for i := range counts {
					counts[i] = uint64(rnd.IntN(500))
					total += counts[i]
				}
				dp.BucketCounts().FromRaw(counts)
				dp.SetCount(total)
				dp.SetSum(float64(total) * 0.042 * (1 + rnd.Float64()))
				n++
			}

			m = sm.Metrics().AppendEmpty()
			m.SetName("process.runtime.go.mem.heap_alloc")
			m.SetUnit("By")
			g := m.SetEmptyGauge()
			for i := 0; i < 4 && n < points; i++ {
				dp := g.DataPoints().AppendEmpty()
				dp.SetTimestamp(ts)
				dp.Attributes().PutStr("go.memory.type", []string{"stack", "heap", "other", "gc"}[i])
				dp.SetIntValue(int64(rnd.IntN(1 << 28)))
				n++
			}

			m = sm.Metrics().AppendEmpty()
			m.SetName("rpc.client.requests")
			m.SetUnit("{request}")
			s := m.SetEmptySum()
			s.SetIsMonotonic(true)
			s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			for _, svc2 := range services {
				if n >= points {
					break
				}
				dp := s.DataPoints().AppendEmpty()
				dp.SetStartTimestamp(st)
				dp.SetTimestamp(ts)
				dp.Attributes().PutStr("rpc.system", "grpc")
				dp.Attributes().PutStr("rpc.service", "oteldemo."+svc2+"Service")
				dp.SetIntValue(int64(rnd.IntN(1_000_000)))
				n++
			}
		}
	}
	return md
}

// Logs returns records log records from templated messages.
func Logs(seed uint64, records int) plog.Logs {
	rnd := rng(seed)
	ld := plog.NewLogs()
	per := map[string]plog.LogRecordSlice{}
	for n := 0; n < records; n++ {
		svc := services[rnd.IntN(len(services))]
		lrs, ok := per[svc]
		if !ok {
			rl := ld.ResourceLogs().AppendEmpty()
			resource(rl.Resource(), svc, rnd)
			sl := rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName("go.opentelemetry.io/contrib/bridges/otelslog")
			lrs = sl.LogRecords()
			per[svc] = lrs
		}
		lr := lrs.AppendEmpty()
		t := base.Add(time.Duration(n)*time.Millisecond + time.Duration(rnd.IntN(1000))*time.Microsecond)
		lr.SetTimestamp(pcommon.NewTimestampFromTime(t))
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(t.Add(3 * time.Millisecond)))
		sev := []plog.SeverityNumber{plog.SeverityNumberInfo, plog.SeverityNumberInfo, plog.SeverityNumberInfo, plog.SeverityNumberWarn, plog.SeverityNumberError, plog.SeverityNumberDebug}[rnd.IntN(6)]
		lr.SetSeverityNumber(sev)
		lr.SetSeverityText(sev.String())
		var body string
		switch k := rnd.IntN(len(logTmpl)); k {
		case 0:
			body = fmt.Sprintf(logTmpl[k], methods[rnd.IntN(len(methods))], routes[rnd.IntN(len(routes))], 200, rnd.IntN(900))
		case 1:
			body = fmt.Sprintf(logTmpl[k], rnd.IntN(50000))
		case 2:
			body = fmt.Sprintf(logTmpl[k], rnd.IntN(1_000_000), rnd.IntN(50000), 1+rnd.IntN(4))
		case 3:
			body = fmt.Sprintf(logTmpl[k], rnd.IntN(10_000_000), rnd.IntN(500), rnd.IntN(100))
		default:
			body = fmt.Sprintf(logTmpl[k], 1+rnd.IntN(3), 100*(1+rnd.IntN(8)))
		}
		lr.Body().SetStr(body)
		tid, sid := ids(rnd)
		lr.SetTraceID(tid)
		lr.SetSpanID(sid)
		a := lr.Attributes()
		a.PutStr("code.function.name", "main.(*server)."+[]string{"handle", "checkout", "addItem", "charge"}[rnd.IntN(4)])
		a.PutStr("code.file.path", "/app/internal/server/handler.go")
		a.PutInt("code.line.number", int64(40+rnd.IntN(300)))
		a.PutStr("thread.name", fmt.Sprintf("worker-%d", rnd.IntN(16)))
	}
	return ld
}

// Request is one recorded request of a mixed workload.
type Request struct {
	Signal  string // "traces", "metrics" or "logs"
	Traces  ptrace.Traces
	Metrics pmetric.Metrics
	Logs    plog.Logs
}

// Mixed returns a replayable mix: for each signal, small requests (10 items)
// and large ones (2,000 items), in an interleaved order.
func Mixed(seed uint64, rounds int) []Request {
	var out []Request
	for i := 0; i < rounds; i++ {
		s := seed + uint64(i)*7
		size := 10
		if i%2 == 1 {
			size = 2000
		}
		out = append(out,
			Request{Signal: "traces", Traces: Traces(s, size)},
			Request{Signal: "metrics", Metrics: Metrics(s+1, size)},
			Request{Signal: "logs", Logs: Logs(s+2, size)},
		)
	}
	return out
}
