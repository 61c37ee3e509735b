package loadgen

import (
	"math"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// The four metrics every series round holds, in this order.
const (
	metricRequests = iota // cumulative monotonic int sum
	metricConsumed        // delta monotonic int sum
	metricCPU             // double gauge
	metricDuration        // delta explicit-bucket histogram
	metricsPerRound
)

// MetricNames are the names of the four metrics, in stream order.
var MetricNames = [metricsPerRound]string{
	"http.server.requests",
	"messaging.client.consumed.messages",
	"system.cpu.utilization",
	"http.server.request.duration",
}

// MetricInterval is the time between two rounds of the metrics stream.
const MetricInterval = 10 * time.Second

// durationBounds are the explicit bucket bounds of http.server.request.duration (seconds).
var durationBounds = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// Metrics returns the next points data points of the stream (points below 1
// gives an empty value), exactly points of them.
//
// The stream is a sequence of rounds, one every MetricInterval from
// Config.Start; a round holds one point of each series of each metric, in
// the order of MetricNames, Config.MetricSeries series per metric:
// http.server.requests (cumulative monotonic int sum, start time
// Config.Start), messaging.client.consumed.messages (delta monotonic int
// sum), system.cpu.utilization (double gauge in [0, 1)) and
// http.server.request.duration (delta histogram with explicit bounds, in
// seconds). Series s lives on service instance s modulo the number of
// instances (3 per service). Points are grouped by resource, then by metric.
func (g *Generator) Metrics(points int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	if points < 1 {
		return md
	}
	nRes := len(g.services) * instancesPerService
	scopes := make([]pmetric.MetricSlice, nRes)
	metrics := make(map[int]pmetric.Metric) // key: res*metricsPerRound + metric
	series := uint64(g.cfg.MetricSeries)
	for range points {
		p := g.nextPoint
		g.nextPoint++
		round := p / (series * metricsPerRound)
		m := int(p / series % metricsPerRound)
		s := int(p % series)
		res := s % nRes
		svc, inst := res/instancesPerService, res%instancesPerService
		local := s / nRes // index of the series among those of its resource

		if scopes[res] == (pmetric.MetricSlice{}) {
			rm := md.ResourceMetrics().AppendEmpty()
			resourceAttrs(g.services[svc], svc, inst, rm.Resource().Attributes())
			sm := rm.ScopeMetrics().AppendEmpty()
			sm.Scope().SetName(ScopeName)
			sm.Scope().SetVersion(scopeVersion)
			scopes[res] = sm.Metrics()
		}
		key := res*metricsPerRound + m
		metric, ok := metrics[key]
		if !ok {
			metric = scopes[res].AppendEmpty()
			initMetric(metric, m)
			metrics[key] = metric
		}

		r := g.itemRand(streamMetrics, p)
		start := pcommon.NewTimestampFromTime(g.cfg.Start.Add(time.Duration(round) * MetricInterval))
		ts := pcommon.NewTimestampFromTime(g.cfg.Start.Add(time.Duration(round+1) * MetricInterval))
		svcDef := g.services[svc]
		switch m {
		case metricRequests:
			g.cumulative[s] += 1 + r.Int64N(100)
			dp := metric.Sum().DataPoints().AppendEmpty()
			dp.SetStartTimestamp(pcommon.NewTimestampFromTime(g.cfg.Start))
			dp.SetTimestamp(ts)
			dp.SetIntValue(g.cumulative[s])
			httpSeriesAttrs(dp.Attributes(), svcDef, local)
		case metricConsumed:
			dp := metric.Sum().DataPoints().AppendEmpty()
			dp.SetStartTimestamp(start)
			dp.SetTimestamp(ts)
			dp.SetIntValue(r.Int64N(1000))
			dp.Attributes().PutStr("messaging.system", "kafka")
			dp.Attributes().PutStr("messaging.destination.name", svcDef.name+".events."+strconv.Itoa(local))
		case metricCPU:
			dp := metric.Gauge().DataPoints().AppendEmpty()
			dp.SetTimestamp(ts)
			dp.SetDoubleValue(r.Float64())
			dp.Attributes().PutStr("cpu.mode", "user")
			dp.Attributes().PutInt("cpu.logical_number", int64(local))
		case metricDuration:
			dp := metric.Histogram().DataPoints().AppendEmpty()
			dp.SetStartTimestamp(start)
			dp.SetTimestamp(ts)
			httpSeriesAttrs(dp.Attributes(), svcDef, local)
			fillHistogram(dp, r.IntN(50)+1, r.Float64)
		}
	}
	return md
}

func initMetric(metric pmetric.Metric, m int) {
	metric.SetName(MetricNames[m])
	switch m {
	case metricRequests:
		metric.SetUnit("{request}")
		metric.SetDescription("Number of HTTP requests served.")
		sum := metric.SetEmptySum()
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		sum.SetIsMonotonic(true)
	case metricConsumed:
		metric.SetUnit("{message}")
		metric.SetDescription("Number of messages consumed.")
		sum := metric.SetEmptySum()
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		sum.SetIsMonotonic(true)
	case metricCPU:
		metric.SetUnit("1")
		metric.SetDescription("CPU utilization per logical CPU.")
		metric.SetEmptyGauge()
	case metricDuration:
		metric.SetUnit("s")
		metric.SetDescription("Duration of HTTP server requests.")
		metric.SetEmptyHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	}
}

// httpSeriesAttrs gives series local of a service a distinct attribute set:
// the service's routes, then versioned copies of them (/v2/..., /v3/...).
func httpSeriesAttrs(a pcommon.Map, s service, local int) {
	rt := s.routes[local%len(s.routes)]
	tmpl := rt.template
	if v := local / len(s.routes); v > 0 {
		tmpl = "/v" + strconv.Itoa(v+1) + tmpl
	}
	a.EnsureCapacity(3)
	a.PutStr("http.request.method", rt.method)
	a.PutStr("http.route", tmpl)
	a.PutInt("http.response.status_code", okStatus(rt.method))
}

// fillHistogram records count log-uniform durations between 1 ms and 10 s.
func fillHistogram(dp pmetric.HistogramDataPoint, count int, rnd func() float64) {
	buckets := make([]uint64, len(durationBounds)+1)
	sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for range count {
		v := math.Exp(math.Log(0.001) + rnd()*(math.Log(10)-math.Log(0.001)))
		i := 0
		for i < len(durationBounds) && v > durationBounds[i] {
			i++
		}
		buckets[i]++
		sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	dp.ExplicitBounds().FromRaw(durationBounds)
	dp.BucketCounts().FromRaw(buckets)
	dp.SetCount(uint64(count))
	dp.SetSum(sum)
	dp.SetMin(lo)
	dp.SetMax(hi)
}
