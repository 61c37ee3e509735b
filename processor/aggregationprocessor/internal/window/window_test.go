package window

import (
	"bytes"
	"encoding/gob"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

const sec = int64(1e9)

func testAgg(t *testing.T, cfg Config, names ...string) *Aggregator {
	t.Helper()
	for _, n := range names {
		o, err := Lookup(n)
		require.NoError(t, err)
		cfg.Outputs = append(cfg.Outputs, o)
	}
	return New(cfg)
}

// testSource is the SeriesSource of the test points: group gk of metric m,
// the series attribute k=attr.
type testSource struct {
	g    Group
	attr string
}

func (s *testSource) Group() *Group {
	g := s.g
	return &g
}

func (s *testSource) Attrs() Attrs {
	m := pcommon.NewMap()
	m.PutStr("k", s.attr)
	return AttrsOf(m)
}

// seriesOf finds or creates the series attr of group gk (metric name, input in).
func seriesOf(t *testing.T, a *Aggregator, w *Window, gk Key, name string, in Input, attr string) *Series {
	t.Helper()
	src := &testSource{g: Group{Key: gk, Name: name, Input: in}, attr: attr}
	s, _ := a.SeriesFor(w, gk, gk.WithString(attr), &Metric{Name: name, Input: in}, src)
	require.NotNil(t, s)
	return s
}

func add(t *testing.T, a *Aggregator, ts, now int64, attr string, v int64) Placement {
	t.Helper()
	w, pl := a.Window(ts, now)
	if w == nil {
		return pl
	}
	s := seriesOf(t, a, w, Key{1}, "m", Input{Kind: KindSum, Monotonic: true}, attr)
	s.Push(&Sample{Time: ts, Value: Int(v), Delta: Int(v)})
	return pl
}

func TestWindowPlacement(t *testing.T) {
	a := testAgg(t, Config{Interval: 10 * sec}, "sum")
	a.Start(105 * sec)
	require.Equal(t, InWindow, add(t, a, 101*sec, 105*sec, "x", 1))
	// future point: current window
	require.Equal(t, InWindow, add(t, a, 900*sec, 105*sec, "x", 1))
	// before the processor started: late
	require.Equal(t, LateMoved, add(t, a, 95*sec, 105*sec, "x", 1))
	require.Equal(t, 1, a.OpenWindows())
	// window 110 still open while 100 is flushed only at 110
	require.Equal(t, InWindow, add(t, a, 109*sec, 111*sec, "x", 1))
	require.Equal(t, InWindow, add(t, a, 111*sec, 111*sec, "x", 1))
	require.Equal(t, 2, a.OpenWindows())
	ws := a.Flush(110 * sec)
	require.Len(t, ws, 1)
	require.Equal(t, 100*sec, ws[0].Start)
	require.Equal(t, LateMoved, add(t, a, 109*sec, 112*sec, "x", 1))
	drop := testAgg(t, Config{Interval: 10 * sec, DropLate: true}, "sum")
	drop.Start(105 * sec)
	require.Equal(t, LateDropped, add(t, drop, 95*sec, 105*sec, "x", 1))
	require.Equal(t, 0, drop.OpenWindows())
}

func TestOverflowAndActive(t *testing.T) {
	a := testAgg(t, Config{Interval: 10 * sec, MaxSeries: 2}, "sum", "count")
	a.Start(100 * sec)
	for i, k := range []string{"a", "b", "c", "d", "c"} {
		add(t, a, 101*sec, 101*sec, k, int64(i+1))
	}
	require.Equal(t, 2, a.Active())
	ws := a.FlushAll()
	require.Equal(t, 0, a.Active())
	md := pmetric.NewMetrics()
	require.Equal(t, 6, a.Emit(ws[0], md, func(n, o string) string { return n + "." + o }))
	sums := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
	require.Equal(t, 3, sums.Len())
	over := sums.At(2)
	v, _ := over.Attributes().Get(OverflowAttribute)
	require.True(t, v.Bool())
	require.Equal(t, int64(3+4+5), over.IntValue())
}

// TestSnapshotRoundTrip encodes the open state with gob, restores it into
// a fresh aggregator and checks the emitted output is the same.
func TestSnapshotRoundTrip(t *testing.T) {
	cfg := Config{Interval: 10 * sec, MaxSeries: 2}
	outs := []string{"sum", "count", "min", "max", "avg", "last", "rate"}
	a := testAgg(t, cfg, outs...)
	a.Start(100 * sec)
	for i, k := range []string{"a", "b", "c", "a"} {
		add(t, a, 101*sec+int64(i), 101*sec, k, int64(i+1))
	}
	var buf bytes.Buffer
	require.NoError(t, gob.NewEncoder(&buf).Encode(a.Snapshot()))
	var snap Snapshot
	require.NoError(t, gob.NewDecoder(&buf).Decode(&snap))
	b := testAgg(t, cfg, outs...)
	skipped, err := b.Restore(snap)
	require.NoError(t, err)
	require.Zero(t, skipped)
	require.Equal(t, a.Active(), b.Active())
	name := func(n, o string) string { return n + "." + o }
	want, got := pmetric.NewMetrics(), pmetric.NewMetrics()
	for _, w := range a.FlushAll() {
		a.Emit(w, want, name)
	}
	for _, w := range b.FlushAll() {
		b.Emit(w, got, name)
	}
	require.Equal(t, want.DataPointCount(), got.DataPointCount())
	wb, _ := (&pmetric.JSONMarshaler{}).MarshalMetrics(want)
	gb, _ := (&pmetric.JSONMarshaler{}).MarshalMetrics(got)
	require.JSONEq(t, string(wb), string(gb))
}

// TestAttrsRoundTrip: every attribute value type survives the compact
// encoding; corrupt encodings are an error, not a panic.
func TestAttrsRoundTrip(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr("s", "value")
	m.PutStr("", "")
	m.PutInt("i", -1234567890123)
	m.PutDouble("d", 3.25)
	m.PutBool("b", true)
	m.PutEmptyBytes("y").FromRaw([]byte{0, 1, 255})
	inner := m.PutEmptyMap("m")
	inner.PutStr("x", "y")
	inner.PutEmptySlice("l").AppendEmpty().SetInt(7)
	sl := m.PutEmptySlice("sl")
	sl.AppendEmpty().SetStr("a")
	sl.AppendEmpty().SetDouble(1.5)
	m.PutEmpty("e")
	enc := AttrsOf(m)
	got := pcommon.NewMap()
	require.NoError(t, enc.CopyTo(got))
	require.Equal(t, m.AsRaw(), got.AsRaw())

	// reduction keeps only the listed keys
	r := NewReducer([]string{"s", "i"}, nil)
	red, _ := EncodeAttrs(&r, m, nil)
	got = pcommon.NewMap()
	require.NoError(t, red.CopyTo(got))
	require.Equal(t, map[string]any{"s": "value", "i": int64(-1234567890123)}, got.AsRaw())

	for i := range len(enc) {
		require.NotPanics(t, func() { _ = enc[:i].CopyTo(pcommon.NewMap()) })
	}
	require.Error(t, enc[:len(enc)-3].CopyTo(pcommon.NewMap()))
}

// TestReducerHashOrderIndependent: the key of an attribute set does not
// depend on attribute order, and differs when a kept value differs.
func TestReducerHashOrderIndependent(t *testing.T) {
	a, b := pcommon.NewMap(), pcommon.NewMap()
	a.PutStr("x", "1")
	a.PutStr("y", "2")
	a.PutStr("drop", "a")
	b.PutStr("drop", "b")
	b.PutStr("y", "2")
	b.PutStr("x", "1")
	r := NewReducer(nil, []string{"drop"})
	require.Equal(t, r.Hash(a), r.Hash(b))
	var all Reducer
	require.NotEqual(t, all.Hash(a), all.Hash(b))
	b.PutStr("y", "3")
	require.NotEqual(t, r.Hash(a), r.Hash(b))
	// a string "1" and an int 1 are different values
	c, d := pcommon.NewMap(), pcommon.NewMap()
	c.PutStr("v", "1")
	d.PutInt("v", 1)
	require.NotEqual(t, all.Hash(c), all.Hash(d))
}

// TestCumulativeHistogramBoundsChange: with cumulative temporality, a
// window whose histogram has other bounds than the running total starts the
// total again under a new start time instead of losing the window.
func TestCumulativeHistogramBoundsChange(t *testing.T) {
	a := testAgg(t, Config{Interval: 10 * sec, Cumulative: true}, "histogram")
	a.Start(100 * sec)
	push := func(ts int64, bounds []float64, counts []uint64) {
		w, _ := a.Window(ts, ts)
		s := seriesOf(t, a, w, Key{2}, "h", Input{Kind: KindHistogram}, "s")
		var n uint64
		for _, c := range counts {
			n += c
		}
		require.Zero(t, s.Push(&Sample{Time: ts, Hist: &Histogram{Count: n, Bounds: bounds, Counts: counts, Merged: true}}))
	}
	emit := func(now int64) pmetric.HistogramDataPoint {
		md := pmetric.NewMetrics()
		ws := a.Flush(now)
		require.Len(t, ws, 1)
		require.Equal(t, 1, a.Emit(ws[0], md, func(n, _ string) string { return n }))
		return md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Histogram().DataPoints().At(0)
	}
	push(101*sec, []float64{1}, []uint64{1, 2})
	dp := emit(110 * sec)
	require.Equal(t, pcommon.Timestamp(100*sec), dp.StartTimestamp())
	push(111*sec, []float64{1}, []uint64{3, 0})
	dp = emit(120 * sec)
	require.Equal(t, pcommon.Timestamp(100*sec), dp.StartTimestamp())
	require.Equal(t, []uint64{4, 2}, dp.BucketCounts().AsRaw())
	push(121*sec, []float64{2, 4}, []uint64{1, 1, 1})
	dp = emit(130 * sec)
	require.Equal(t, pcommon.Timestamp(120*sec), dp.StartTimestamp(), "new start time after the bounds changed")
	require.Equal(t, []float64{2, 4}, dp.ExplicitBounds().AsRaw())
	require.Equal(t, []uint64{1, 1, 1}, dp.BucketCounts().AsRaw())
	require.Equal(t, uint64(3), dp.Count())
}
