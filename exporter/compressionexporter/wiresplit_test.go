package compressionexporter

import (
	"fmt"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/ring"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
)

func ringPick(n int) func(uint64) int {
	r := ring.New(endpointNames(n))
	return func(k uint64) int { c, _ := r.Pick(k, nil); return c }
}

// withHeaders sets the fields a split must carry into every part: schema
// URLs, scope name/version/attributes, resource dropped attributes.
func withHeaders(td ptrace.Traces) ptrace.Traces {
	for i, rs := range td.ResourceSpans().All() {
		rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
		rs.Resource().SetDroppedAttributesCount(uint32(i))
		for _, ss := range rs.ScopeSpans().All() {
			ss.SetSchemaUrl("https://opentelemetry.io/schemas/1.27.0")
			ss.Scope().SetName("otelgate/bench")
			ss.Scope().SetVersion("1.2.3")
			ss.Scope().Attributes().PutStr("scope.attr", "x")
		}
	}
	return td
}

// TestWireSplitMatchesPdataSplit: for every endpoint count, the wire split
// of a marshalled request holds exactly what the pdata split holds for the
// same destinations (resources, scopes and their fields, spans, in order),
// and every part unmarshals.
func TestWireSplitMatchesPdataSplit(t *testing.T) {
	td := withHeaders(workload.Traces(5, 2000))
	raw, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	require.NoError(t, err)
	for _, n := range []int{2, 3, 10, 100} {
		pick := ringPick(n)
		dests, single := traceDests(td, pick)
		require.Equal(t, -1, single)
		require.Len(t, dests, td.SpanCount())
		parts, _, ok := wireSplit(raw, dests, n, pick, nil)
		require.True(t, ok)
		want := tracesRoute(td, routingTraceID, pick)
		size := 0
		for d, p := range parts {
			if p == nil {
				assert.NotContains(t, want, d, "n=%d: destination %d has no part", n, d)
				continue
			}
			size += len(p)
			got, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(p)
			require.NoError(t, err)
			require.Contains(t, want, d)
			require.NoError(t, ptracetest.CompareTraces(want[d], got), "n=%d destination %d", n, d)
		}
		assert.Len(t, want, countNonNil(parts))
		assert.Greater(t, size, len(raw), "n=%d: each part repeats its resources' fields", n)
	}
}

func countNonNil(parts [][]byte) int {
	n := 0
	for _, p := range parts {
		if p != nil {
			n++
		}
	}
	return n
}

// TestWireSplitRecordsWithoutTraceID: log records without a trace ID go by
// their resource, so all of one resource's such records land together, and
// records with trace IDs go where the pdata split sends them; nothing is
// lost or duplicated.
func TestWireSplitRecordsWithoutTraceID(t *testing.T) {
	ld := workload.Logs(9, 3000)
	cleared := 0
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for k, lr := range sl.LogRecords().All() {
				if k%3 == 0 {
					lr.SetTraceID(pcommon.NewTraceIDEmpty())
					cleared++
				}
			}
		}
	}
	require.Positive(t, cleared)
	raw, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	require.NoError(t, err)
	const n = 10
	pick := ringPick(n)
	dests, _ := logDests(ld, pick)
	parts, _, ok := wireSplit(raw, dests, n, pick, nil)
	require.True(t, ok)
	total := 0
	resourceDest := map[uint64]int{} // resource (by its attributes) -> destination of its records without trace ID
	for d, p := range parts {
		if p == nil {
			continue
		}
		got, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(p)
		require.NoError(t, err)
		total += got.LogRecordCount()
		for _, rl := range got.ResourceLogs().All() {
			key := attrsHash(rl.Resource().Attributes())
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					if lr.TraceID().IsEmpty() {
						if prev, seen := resourceDest[key]; seen {
							assert.Equal(t, prev, d, "records of one resource without a trace ID stay together")
						}
						resourceDest[key] = d
						continue
					}
					assert.Equal(t, pick(traceIDHash(lr.TraceID())), d, "a record with a trace ID goes by it")
				}
			}
		}
	}
	assert.Equal(t, ld.LogRecordCount(), total, "every record exactly once")
	assert.NotEmpty(t, resourceDest)
}

// TestWireSplitLogsMatchPdataSplit: with every record carrying a trace ID,
// the wire split of logs equals the pdata split.
func TestWireSplitLogsMatchPdataSplit(t *testing.T) {
	ld := workload.Logs(4, 2000)
	raw, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	require.NoError(t, err)
	pick := ringPick(10)
	dests, _ := logDests(ld, pick)
	for _, d := range dests {
		require.GreaterOrEqual(t, d, int32(0), "the workload's records all have trace IDs")
	}
	parts, _, ok := wireSplit(raw, dests, 10, pick, nil)
	require.True(t, ok)
	want := logsRoute(ld, routingTraceID, pick)
	for d, p := range parts {
		if p == nil {
			continue
		}
		got, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(p)
		require.NoError(t, err)
		require.NoError(t, plogtest.CompareLogs(want[d], got), "destination %d", d)
	}
	assert.Len(t, want, countNonNil(parts))
}

// TestWireSplitRejectsBadInput: bytes that do not parse, and destinations
// that do not match the items, fail the split (the caller routes the pdata).
func TestWireSplitRejectsBadInput(t *testing.T) {
	td := workload.Traces(3, 50)
	raw, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	require.NoError(t, err)
	pick := ringPick(3)
	dests, _ := traceDests(td, pick)
	_, _, ok := wireSplit(raw[:len(raw)-3], dests, 3, pick, nil)
	assert.False(t, ok, "truncated")
	_, _, ok = wireSplit(raw, dests[:len(dests)-1], 3, pick, nil)
	assert.False(t, ok, "one destination short")
	_, _, ok = wireSplit(raw, append(dests, 0), 3, pick, nil)
	assert.False(t, ok, "one destination too many")
	bad := append([]int32(nil), dests...)
	bad[0] = 7
	_, _, ok = wireSplit(raw, bad, 3, pick, nil)
	assert.False(t, ok, "a destination out of range")
	parts, _, ok := wireSplit(nil, nil, 3, pick, nil)
	assert.True(t, ok, "an empty request splits into nothing")
	assert.Zero(t, countNonNil(parts))
}

// BenchmarkWireSplit measures the split alone (destinations from pdata,
// then the wire split), per span.
func BenchmarkWireSplit(b *testing.B) {
	for _, spans := range []int{1000, 10_000} {
		td := workload.Traces(77, spans)
		raw, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		require.NoError(b, err)
		for _, n := range []int{3, 100} {
			pick := ringPick(n)
			b.Run(fmt.Sprintf("spans=%d/endpoints=%d", spans, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(raw)))
				var buf []byte
				for b.Loop() {
					dests, _ := traceDests(td, pick)
					var ok bool
					if _, buf, ok = wireSplit(raw, dests, n, pick, buf); !ok {
						b.Fatal("split failed")
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spans), "ns/span")
			})
		}
	}
}

// TestPickerWithCacheFailsOverInRingOrder: with a first-endpoint cache (20
// endpoints), a key whose first endpoint is usable goes there; one whose
// first endpoint's breaker is not usable goes to the next in its ring
// order, counted as rerouted; with none usable, every key goes to its first.
func TestPickerWithCacheFailsOverInRingOrder(t *testing.T) {
	r := ring.New(endpointNames(20))
	v := &view{ring: r, cache: ring.NewCache(r, 1024)}
	require.NotNil(t, v.cache)
	const down = 7
	p := &picker{v: v, usable: make([]bool, 20), rerouted: make([]int, 20), anyOK: true}
	for i := range p.usable {
		p.usable[i] = i != down
	}
	ids := make([]pcommon.TraceID, 2000)
	for i := range ids {
		ids[i] = pcommon.TraceID([16]byte{byte(i), byte(i >> 8), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14})
	}
	wantRerouted := 0
	for range 2 { // the second round hits the cache
		for _, id := range ids {
			k := traceIDHash(id)
			order := r.Order(k)
			want := order[0]
			if want == down {
				want = order[1]
				wantRerouted++
			}
			require.Equal(t, want, p.pick(k))
		}
	}
	assert.Positive(t, wantRerouted)
	total := 0
	for _, n := range p.rerouted {
		total += n
	}
	assert.Equal(t, wantRerouted, total, "every key past the endpoint that is down is counted once per pick")
	assert.Zero(t, p.rerouted[down])

	none := &picker{v: v, usable: make([]bool, 20), rerouted: make([]int, 20)}
	for _, id := range ids[:200] {
		k := traceIDHash(id)
		assert.Equal(t, r.Order(k)[0], none.pick(k), "none usable: the first endpoint")
	}
}
