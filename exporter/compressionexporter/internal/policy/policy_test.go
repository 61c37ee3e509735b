package policy

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
)

// Synthetic measurements of one 1 MB sample.
var synthetic = []Trial{
	{Codec: "none", InBytes: 1e6, OutBytes: 1e6, CPU: 0},
	{Codec: "snappy", Level: 1, InBytes: 1e6, OutBytes: 250e3, CPU: 2 * time.Millisecond},
	{Codec: "zstd", Level: 3, InBytes: 1e6, OutBytes: 120e3, CPU: 6 * time.Millisecond},
	{Codec: "br", Level: 11, InBytes: 1e6, OutBytes: 95e3, CPU: 900 * time.Millisecond},
}

func TestCheapestSlowLinkPrefersRatio(t *testing.T) {
	// 10 KB/s: every kilobyte costs 100 ms, far more than any CPU difference.
	best, ok := Cheapest(synthetic, 10e3, 0)
	require.True(t, ok)
	assert.Equal(t, "br", best.Codec)
}

func TestCheapestFastLinkPrefersCPU(t *testing.T) {
	// 10 GB/s: a megabyte costs 0.1 ms on the wire, less than any compression.
	best, ok := Cheapest(synthetic, 10e9, 0)
	require.True(t, ok)
	assert.Equal(t, "none", best.Codec)
}

func TestCheapestMiddleLink(t *testing.T) {
	// 10 MB/s: snappy 2+25=27 ms, zstd 6+12=18 ms, none 100 ms, br 909.5 ms.
	best, ok := Cheapest(synthetic, 10e6, 0)
	require.True(t, ok)
	assert.Equal(t, "zstd", best.Codec)
	assert.InDelta(t, 0.018, best.Cost(10e6), 1e-9)
}

func TestCheapestTieKeepsOrder(t *testing.T) {
	tr := []Trial{{Codec: "gzip", OutBytes: 10}, {Codec: "zlib", OutBytes: 10}}
	best, _ := Cheapest(tr, 1, 0)
	assert.Equal(t, "gzip", best.Codec)
}

func TestCheapestTiesWithinCPUNoiseGoToLessCPU(t *testing.T) {
	// 100 KB/s, one byte = 0.01 ms on the wire.
	trials := []Trial{
		{Codec: "br", InBytes: 10_000, OutBytes: 1000, CPU: 8 * time.Millisecond},   // 10 + 8 = 18 ms, the lowest
		{Codec: "zstd", InBytes: 10_000, OutBytes: 1500, CPU: 4 * time.Millisecond}, // 15 + 4 = 19 ms
		{Codec: "none", InBytes: 10_000, OutBytes: 3000},                            // 30 ms
	}
	best, _ := Cheapest(trials, 100e3, 0)
	assert.Equal(t, "br", best.Codec, "without noise the lowest cost wins")
	best, _ = Cheapest(trials, 100e3, 0.05)
	assert.Equal(t, "br", best.Codec, "zstd's 1 ms more is beyond 5% of 12 ms of CPU")
	best, _ = Cheapest(trials, 100e3, 0.1)
	assert.Equal(t, "zstd", best.Codec, "1 ms more is within 10% of 12 ms of CPU: a tie, and zstd spends less")
	best, _ = Cheapest(trials, 100e3, 1)
	assert.Equal(t, "zstd", best.Codec, "none's 12 ms more exceeds even 100% of 8 ms of CPU: its bytes are measured exactly")
	best, _ = Cheapest(trials, 100e3, -1)
	assert.Equal(t, "br", best.Codec, "a negative noise counts as 0")
	assert.True(t, Tied(trials[1], trials[0], 100e3, 0.1))
	assert.False(t, Tied(trials[2], trials[0], 100e3, 1))
}

// TestCheapestTieAllowsMoreBytesForLessCPU pins the README's bound: a
// candidate with less CPU wins while its extra bytes cost no more link time
// than L×((cpu_lowest − cpu) + noise×(cpu + cpu_lowest)); one byte more
// loses; more bytes with more CPU never tie.
func TestCheapestTieAllowsMoreBytesForLessCPU(t *testing.T) {
	const link = 1e6                                                                              // 1 MB/s: one byte = 1 µs on the wire
	lowest := Trial{Codec: "zstd", InBytes: 100_000, OutBytes: 10_000, CPU: 4 * time.Millisecond} // 4 + 10 = 14 ms
	// less CPU (3 ms): saves 1 ms, noise 0.25 × 7 ms = 1.75 ms, so up to 2750 more bytes
	atBound := Trial{Codec: "gzip", InBytes: 100_000, OutBytes: 10_000 + 2750, CPU: 3 * time.Millisecond}
	best, _ := Cheapest([]Trial{lowest, atBound}, link, 0.25)
	assert.Equal(t, "gzip", best.Codec, "27.5 % more bytes for 25 % less CPU is a tie at 1 MB/s")
	beyond := atBound
	beyond.OutBytes += 10
	best, _ = Cheapest([]Trial{lowest, beyond}, link, 0.25)
	assert.Equal(t, "zstd", best.Codec, "beyond the allowance the lowest cost wins")
	moreCPU := Trial{Codec: "gzip", InBytes: 100_000, OutBytes: 10_001, CPU: 5 * time.Millisecond}
	best, _ = Cheapest([]Trial{lowest, moreCPU}, link, 0.25)
	assert.Equal(t, "zstd", best.Codec, "more bytes and more CPU never win")
}

func TestCheapestRejectsNoData(t *testing.T) {
	_, ok := Cheapest(nil, 1e6, 0)
	assert.False(t, ok)
	_, ok = Cheapest(synthetic, 0, 0)
	assert.False(t, ok)
}

func TestStaticBySignalMinSize(t *testing.T) {
	st := Static{Codec: "zstd", Level: 3}
	assert.Equal(t, Choice{Codec: "zstd", Level: 3, Reason: ReasonStatic}, st.Choose(Traces, 10))

	bs := BySignal{Traces: {Codec: "zstd", Level: 3}, Metrics: {Codec: "gzip", Level: 6}, Logs: {Codec: "br", Level: 5}}
	assert.Equal(t, "gzip", bs.Choose(Metrics, 1).Codec)
	assert.Equal(t, "br", bs.Choose(Logs, 1).Codec)
	assert.Equal(t, ReasonBySignal, bs.Choose(Traces, 1).Reason)

	ms := MinSize{Bytes: 1024, Next: bs}
	assert.Equal(t, Choice{Codec: "none", Reason: ReasonBelowMinSize}, ms.Choose(Traces, 1023))
	assert.Equal(t, Choice{Codec: "zstd", Level: 3, Reason: ReasonBySignal}, ms.Choose(Traces, 1024))
}

func TestSampleShareAndBudget(t *testing.T) {
	s := NewSample(0.25, 1, 1000)
	for i := 0; i < 100; i++ {
		s.Offer([]byte{byte(i)})
	}
	got := s.Take()
	assert.InDelta(t, 25, len(got), 8, "a share of 0.25 keeps about a quarter of the requests")
	assert.Equal(t, []byte{0}, got[0], "the floor takes the first request")
	assert.Empty(t, s.Take(), "Take empties the sample")

	// Sampling is by bytes: large requests are sampled in proportion to their size.
	s = NewSample(0.1, 0, 1<<20)
	var offered, small, large int
	for i := 0; i < 1000; i++ {
		n := 100
		if i%10 == 9 {
			n = 10_000
		}
		offered += n
		s.Offer(make([]byte, n))
	}
	sampled := 0
	for _, e := range s.Take() {
		sampled += len(e)
		if len(e) == 100 {
			small++
		} else {
			large++
		}
	}
	assert.InEpsilon(t, 0.1, float64(sampled)/float64(offered), 0.5, "sampled bytes are about the share of offered bytes")
	assert.InEpsilon(t, 1.0/9, float64(large)/float64(small), 0.5, "large and small requests keep their proportion")

	s = NewSample(1, 0, 1000)
	for i := 0; i < 10; i++ {
		s.Offer(make([]byte, 300))
	}
	got = s.Take()
	total := 0
	for _, e := range got {
		total += len(e)
	}
	assert.LessOrEqual(t, total, 1000, "the byte budget bounds the sample")
	assert.Len(t, got, 3)

	s.Offer(make([]byte, 5000))
	got = s.Take()
	require.Len(t, got, 1)
	assert.Len(t, got[0], 1000, "an oversized request contributes a prefix")

	// The floor: after each Take, requests are taken whole until minBytes
	// are held; then the share applies (0 here).
	s = NewSample(0, 1500, 1<<20)
	for round := 0; round < 2; round++ {
		for i := 0; i < 10; i++ {
			s.Offer(make([]byte, 1000))
		}
		got = s.Take()
		require.Len(t, got, 2, "round %d", round)
		assert.Len(t, got[0], 1000)
		assert.Len(t, got[1], 1000, "the request crossing the floor is taken whole")
	}
}

func TestEstimateRate(t *testing.T) {
	// 5 ms latency, 2 MB/s: the fit recovers the rate, which bytes/duration underestimates.
	var b, s []float64
	for i := 1; i <= 50; i++ {
		n := float64(i * 20_000)
		b = append(b, n)
		s = append(s, 0.005+n/2e6)
	}
	assert.InEpsilon(t, 2e6, EstimateRate(b, s), 0.01)

	// Equal sizes: no spread to fit, the aggregate rate is used.
	assert.InEpsilon(t, 1e6, EstimateRate([]float64{1e5, 1e5, 1e5}, []float64{0.1, 0.1, 0.1}), 1e-9)
	assert.Zero(t, EstimateRate(nil, nil))
}

func TestLinkMovingAverage(t *testing.T) {
	var l Link
	assert.Zero(t, l.Estimate(), "no sends, no estimate")
	l.Observe(1e6, time.Second)
	assert.InEpsilon(t, 1e6, l.Estimate(), 1e-9)
	l.Observe(0, time.Second) // ignored
	l.Observe(3e6, time.Second)
	// window aggregate is 2 MB/s; EMA: 0.3*2e6 + 0.7*1e6
	assert.InEpsilon(t, 1.3e6, l.Estimate(), 1e-9)
}

func marshalTraces(t testing.TB, n int, seed uint64) []byte {
	t.Helper()
	b, err := ptraceotlp.NewExportRequestFromTraces(workload.Traces(seed, n)).MarshalProto()
	require.NoError(t, err)
	return b
}

var allCandidates = []Candidate{{"none", 0}, {"snappy", 1}, {"lz4", 1}, {"zstd", 1}, {"zstd", 3}, {"gzip", 6}, {"br", 9}}

// TestAdaptiveSlowLink: on a slow link the chosen candidate is the one that
// produced the fewest bytes in the trials.
func TestAdaptiveSlowLink(t *testing.T) {
	a := NewAdaptive(AdaptiveSettings{Candidates: allCandidates, Initial: Candidate{"zstd", 1}, LinkBytesPerSecond: 1, SampleShare: 1, SampleMaxBytes: 4 << 20})
	assert.Equal(t, ReasonInitial, a.Choose(Traces, 1).Reason)
	for i := 0; i < 4; i++ {
		a.Observe(Traces, marshalTraces(t, 300, uint64(i)))
	}
	ds := a.Evaluate()
	require.Len(t, ds, 1, "only traces had samples")
	d := ds[0]
	require.Len(t, d.Trials, len(allCandidates))
	minOut := d.Trials[0]
	for _, tr := range d.Trials {
		assert.Positive(t, tr.InBytes)
		if tr.OutBytes < minOut.OutBytes {
			minOut = tr
		}
	}
	assert.Equal(t, Choice{Codec: minOut.Codec, Level: minOut.Level, Reason: ReasonLowestCost}, a.Choose(Traces, 1))
	assert.Equal(t, "br", minOut.Codec, "brotli 9 has the best ratio on OTLP traces")
	assert.Equal(t, ReasonInitial, a.Choose(Logs, 1).Reason, "signals without samples keep their choice")
}

// TestAdaptiveFastLink: on a very fast link the chosen candidate is the
// cheapest in CPU, and a codec the server rejected is never tried.
func TestAdaptiveFastLink(t *testing.T) {
	a := NewAdaptive(AdaptiveSettings{
		Candidates: allCandidates, Initial: Candidate{"zstd", 1}, LinkBytesPerSecond: 1e15, SampleShare: 1, SampleMaxBytes: 4 << 20,
		Usable: func(c string) bool { return c != "br" },
	})
	// A fake clock: each reading advances by the number of readings so far, so
	// the CPU time is deterministic and grows with the candidate's position.
	var ticks time.Duration
	a.cpuTime = func() time.Duration { ticks += time.Millisecond; return ticks * ticks }
	b, err := plogotlp.NewExportRequestFromLogs(workload.Logs(3, 500)).MarshalProto()
	require.NoError(t, err)
	a.Observe(Logs, b)
	ds := a.Evaluate()
	require.Len(t, ds, 1)
	for _, tr := range ds[0].Trials {
		assert.NotEqual(t, "br", tr.Codec, "rejected codec tried")
	}
	assert.Equal(t, "none", a.Choose(Logs, 1).Codec, "the first candidate has the lowest fake CPU")
}

func TestAdaptiveUnknownLinkKeepsChoice(t *testing.T) {
	a := NewAdaptive(AdaptiveSettings{Candidates: allCandidates, Initial: Candidate{"gzip", 6}, SampleShare: 1, SampleMaxBytes: 1 << 20})
	a.Observe(Metrics, marshalTraces(t, 50, 1))
	ds := a.Evaluate()
	require.Len(t, ds, 1)
	assert.Zero(t, ds[0].LinkBytesPerSecond)
	assert.Equal(t, Choice{Codec: "gzip", Level: 6, Reason: ReasonInitial}, a.Choose(Metrics, 1))

	a.ObserveSend(100_000, 100*time.Millisecond) // 1 MB/s measured
	a.Observe(Metrics, marshalTraces(t, 50, 1))
	ds = a.Evaluate()
	assert.InEpsilon(t, 1e6, ds[0].LinkBytesPerSecond, 1e-9)
	assert.Equal(t, ReasonLowestCost, a.Choose(Metrics, 1).Reason)
}

func TestAdaptiveRunStops(t *testing.T) {
	a := NewAdaptive(AdaptiveSettings{Candidates: allCandidates, Initial: Candidate{"zstd", 1}, LinkBytesPerSecond: 1e6, SampleShare: 1, SampleMaxBytes: 1 << 20})
	stop := make(chan struct{})
	done := make(chan struct{})
	reports := make(chan []Decision, 100)
	go func() { a.Run(time.Millisecond, stop, func(d []Decision) { reports <- d }); close(done) }()
	a.Observe(Traces, marshalTraces(t, 20, 1))
	var got []Decision
	for got == nil {
		got = <-reports
	}
	close(stop)
	<-done
	assert.Equal(t, Traces, got[0].Signal)
}

func BenchmarkEvaluate(b *testing.B) {
	a := NewAdaptive(AdaptiveSettings{Candidates: allCandidates, Initial: Candidate{"zstd", 1}, LinkBytesPerSecond: 1e6, SampleShare: 1, SampleMaxBytes: 1 << 20})
	raw := marshalTraces(b, 1000, 1)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		a.Observe(Traces, raw)
		a.Evaluate()
	}
	b.ReportMetric(float64(len(allCandidates)), "candidates")
}

// quietCPUPerByte is the least thread CPU time per byte of reps warm
// compressions of in, and the compressed size over the input size.
func quietCPUPerByte(t *testing.T, name string, level int, in []byte, reps int) (cpu, ratio float64) {
	t.Helper()
	c, ok := codec.Lookup(name)
	require.True(t, ok, name)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := c.Encode(nil, in, level)
	cpu = math.Inf(1)
	for range reps {
		start := threadCPUTime()
		buf = c.Encode(buf, in, level)
		cpu = min(cpu, (threadCPUTime()-start).Seconds()/float64(len(in)))
	}
	return cpu, float64(len(buf)) / float64(len(in))
}

// pruneMargin derives the pruning margin of TestAdaptivePrunesHopelessCandidates
// from the codecs' speeds measured here, on the probe of the test's sample.
// The policy probes snappy against none's cost (every byte on the link, no
// CPU) and brotli 9 against the lowest cost measured before it, so the test
// holds while snappy's probe costs at most (1+margin)/rate per byte and
// brotli's more than (1+margin) times the lowest cost. The margin sits at
// the geometric middle of those two bounds, so the measured speeds may move
// by the returned factor either way (a loaded machine slows a probe; its
// thread CPU time grows with cache and frequency contention) before the
// test can fail. The test requires a factor of at least 3.
func pruneMargin(t *testing.T, probe []byte, rate float64) (margin, tolerance float64) {
	t.Helper()
	snappy, snappyRatio := quietCPUPerByte(t, "snappy", 1, probe, 9)
	zstd, zstdRatio := quietCPUPerByte(t, "zstd", 1, probe, 9)
	br, _ := quietCPUPerByte(t, "br", 9, probe, 3)
	lowest := min(1/rate, snappy+snappyRatio/rate, zstd+zstdRatio/rate)
	lo := max(snappy*rate, 1) // snappy passes at (1+margin) >= lo; the margin is never negative
	hi := br / lowest         // brotli is left out below hi
	tolerance = math.Sqrt(hi / lo)
	margin = math.Sqrt(lo*hi) - 1
	t.Logf("quiet CPU per MB: snappy %.2f ms, zstd:1 %.2f ms, br:9 %.2f ms; lowest cost %.2f ms/MB at %.0f MB/s; margin %.2f, tolerance %.1fx",
		snappy*1e9, zstd*1e9, br*1e9, lowest*1e9, rate/1e6, margin, tolerance)
	require.GreaterOrEqual(t, tolerance, 3.0, "brotli 9 must cost far more CPU than snappy for the pruning to be observable")
	return margin, tolerance
}

// TestAdaptivePrunesHopelessCandidates: between full evaluations, a candidate
// whose last trial put it far above the best cost is not tried again; every
// FullEvery-th evaluation tries all of them except those whose CPU time alone
// exceeds the best total cost. The margin comes from the codec speeds
// measured in the test (pruneMargin), not from fixed numbers.
func TestAdaptivePrunesHopelessCandidates(t *testing.T) {
	cands := []Candidate{{"none", 0}, {"snappy", 1}, {"zstd", 1}, {"br", 9}}
	// 1 GB/s: the lowest cost is about snappy's CPU, so brotli 9's CPU is
	// tens of times over it and the margin has room on both sides.
	const rate = 1e9
	raw := marshalTraces(t, 400, 9)
	require.Greater(t, len(raw), probeBytes, "the sample is larger than the probe")
	margin, _ := pruneMargin(t, raw[:probeBytes], rate)
	a := NewAdaptive(AdaptiveSettings{Candidates: cands, Initial: Candidate{"zstd", 1}, LinkBytesPerSecond: rate,
		SampleShare: 1, SampleMaxBytes: 4 << 20, Margin: margin, FullEvery: 3})
	evaluate := func() (tried, probedOnly map[string]bool) {
		a.Observe(Traces, raw)
		ds := a.Evaluate()
		require.Len(t, ds, 1)
		tried, probedOnly = map[string]bool{}, map[string]bool{}
		for _, tr := range ds[0].Trials {
			tried[tr.Key()] = true
			assert.Equal(t, len(raw), tr.InBytes, "a trial compresses the whole sample")
			if tr.Codec == "none" {
				assert.Zero(t, tr.CPU, "an uncompressed request is sent as it is, without a copy")
				assert.Equal(t, tr.InBytes, tr.OutBytes)
			}
		}
		for _, p := range ds[0].Probes {
			if !tried[p.Key()] {
				probedOnly[p.Key()] = true
			}
			assert.LessOrEqual(t, p.InBytes, 2*probeBytes, "a probe compresses at most twice the probe")
		}
		return tried, probedOnly
	}
	tried, probed := evaluate()
	assert.True(t, tried["none:0"] && tried["snappy:1"], "the first two candidates are tried whole: %v", tried)
	assert.False(t, tried["br:9"], "brotli 9's CPU on the probe alone exceeds the cost of what was measured before it")
	assert.True(t, probed["br:9"], "brotli 9 is left out after its probe, and the probe's CPU is reported")
	tried, _ = evaluate()
	assert.False(t, tried["br:9"], "brotli 9 costs far more CPU than snappy saves on a 1 GB/s link")
	assert.True(t, tried[a.Choose(Traces, 0).Key()], "the current choice is re-tried on the same sample as its competitors")
	evaluate()
	full, _ := evaluate()
	assert.True(t, full["none:0"] && full["snappy:1"], "the third evaluation after the first is a full one: %v", full)
	assert.False(t, full["br:9"], "brotli 9's CPU alone exceeds snappy's total cost on a 1 GB/s link")
}

// TestAdaptiveCPUPruneFollowsLinkRate: on a slow link no candidate's CPU
// alone exceeds the best total cost, so full evaluations still try all.
func TestAdaptiveCPUPruneFollowsLinkRate(t *testing.T) {
	cands := []Candidate{{"none", 0}, {"snappy", 1}, {"zstd", 1}, {"br", 9}}
	a := NewAdaptive(AdaptiveSettings{Candidates: cands, Initial: Candidate{"zstd", 1}, LinkBytesPerSecond: 10e3,
		SampleShare: 1, SampleMaxBytes: 4 << 20, Margin: 0.25, FullEvery: 2})
	raw := marshalTraces(t, 400, 9)
	for i := range 3 {
		a.Observe(Traces, raw)
		ds := a.Evaluate()
		require.Len(t, ds, 1)
		if i%2 == 0 {
			assert.Len(t, ds[0].Trials, 4, "evaluation %d is full", i)
		}
	}
	assert.Equal(t, "br:9", a.Choose(Traces, 0).Key())
}

// fakeCPUClock charges every trial the same 1 ms, whatever it compresses.
func fakeCPUClock() func() time.Duration {
	var n time.Duration
	return func() time.Duration {
		n += time.Millisecond / 2
		return n
	}
}

// TestAdaptiveBacksOffWhileStable: while the choice stays the same, trials
// run at evaluations 1, 2, 4, 8, then every MaxBackoff-th; a change of the
// mean request size brings trials back at once.
func TestAdaptiveBacksOffWhileStable(t *testing.T) {
	cands := []Candidate{{"none", 0}, {"snappy", 1}, {"zstd", 1}}
	a := NewAdaptive(AdaptiveSettings{Candidates: cands, Initial: Candidate{"zstd", 1}, LinkBytesPerSecond: 1e6,
		SampleShare: 1, SampleMaxBytes: 4 << 20, MaxBackoff: 4})
	a.cpuTime = fakeCPUClock() // the choice depends on bytes only, not on timing
	raw := marshalTraces(t, 200, 3)
	var trialAt []int
	for i := range 16 {
		a.Observe(Traces, raw)
		if ds := a.Evaluate(); len(ds) == 1 {
			require.NotEmpty(t, ds[0].Trials)
			trialAt = append(trialAt, i)
		}
	}
	// 0: initial -> choice (a change); 1: kept, every 2; 3: kept, every 4; 7, 11, 15.
	assert.Equal(t, []int{0, 1, 3, 7, 11, 15}, trialAt)

	// Requests 20x larger: the backoff ends at the next evaluation (sampling
	// was paused, so it resumes), and the one after it trials although the
	// backoff would have waited two more.
	big := marshalTraces(t, 4000, 3)
	a.Observe(Traces, big)
	assert.Empty(t, a.Evaluate(), "sampling was paused: nothing to try yet")
	a.Observe(Traces, big)
	ds := a.Evaluate()
	require.Len(t, ds, 1, "a change of request size ends the backoff")
	assert.NotEmpty(t, ds[0].Trials)
}

// TestAdaptiveBackoffEndsWhenChoiceUnusable: a rejected current codec ends
// the backoff; the evaluation after the next one picks another codec.
func TestAdaptiveBackoffEndsWhenChoiceUnusable(t *testing.T) {
	var rejected atomic.Bool
	cands := []Candidate{{"zstd", 1}, {"snappy", 1}, {"none", 0}}
	a := NewAdaptive(AdaptiveSettings{Candidates: cands, Initial: Candidate{"zstd", 1}, LinkBytesPerSecond: 1e5,
		SampleShare: 1, SampleMaxBytes: 4 << 20, MaxBackoff: 8,
		Usable: func(c string) bool { return !rejected.Load() || c != "zstd" }})
	a.cpuTime = fakeCPUClock()
	raw := marshalTraces(t, 200, 3)
	for range 4 {
		a.Observe(Traces, raw)
		a.Evaluate()
	}
	require.Equal(t, "zstd", a.Choose(Traces, 0).Codec)
	rejected.Store(true)
	var ds []Decision
	for range 2 { // the first resumes the paused sampling
		a.Observe(Traces, raw)
		ds = a.Evaluate()
	}
	require.Len(t, ds, 1)
	assert.NotEqual(t, "zstd", ds[0].Choice.Codec)
}

// TestAdaptiveSmoothsAcrossEvaluations: the choice follows the trial totals
// of recent evaluations weighted by bytes, so one small unusual sample does
// not flip it, while a lasting change of the traffic does.
func TestAdaptiveSmoothsAcrossEvaluations(t *testing.T) {
	cands := []Candidate{{"none", 0}, {"zstd", 1}, {"br", 9}}
	a := NewAdaptive(AdaptiveSettings{Candidates: cands, Initial: Candidate{"zstd", 1}, LinkBytesPerSecond: 1, SampleShare: 1, SampleMaxBytes: 4 << 20})
	a.Observe(Traces, marshalTraces(t, 300, 5))
	a.Evaluate()
	require.Equal(t, "br:9", a.Choose(Traces, 0).Key(), "fewest bytes on OTLP traces")

	rnd := rand.NewChaCha8([32]byte{3, 4})
	random := func(n int) []byte {
		b := make([]byte, n)
		_, _ = rnd.Read(b)
		return b
	}
	a.Observe(Traces, random(2048))
	ds := a.Evaluate()
	require.Len(t, ds, 1)
	fewest := ds[0].Trials[0]
	for _, tr := range ds[0].Trials {
		if tr.OutBytes < fewest.OutBytes {
			fewest = tr
		}
	}
	require.Equal(t, "none", fewest.Codec, "on incompressible bytes alone, sending them as they are is smallest")
	assert.Equal(t, "br:9", a.Choose(Traces, 0).Key(), "a 2 KiB sample does not outweigh tens of KiB of traces")

	for range 40 {
		a.Observe(Traces, random(16<<10))
		a.Evaluate()
	}
	assert.Equal(t, "none", a.Choose(Traces, 0).Codec, "once the traffic is incompressible, the choice follows")
}

// TestAdaptiveTrialsUseTransportFormat: trials compress with the format the
// transport sends (gRPC's snappy is the framing format), so their bytes are
// the bytes the wire will carry.
func TestAdaptiveTrialsUseTransportFormat(t *testing.T) {
	raw := marshalTraces(t, 200, 11)
	framed, _ := codec.Lookup(codec.FramedSnappy)
	block, _ := codec.Lookup("snappy")
	wantFramed, wantBlock := len(framed.Encode(nil, raw, 1)), len(block.Encode(nil, raw, 1))
	require.NotEqual(t, wantFramed, wantBlock)
	for _, tc := range []struct {
		format func(string) string
		want   int
	}{
		{nil, wantBlock},
		{func(c string) string {
			if c == "snappy" {
				return codec.FramedSnappy
			}
			return c
		}, wantFramed},
	} {
		a := NewAdaptive(AdaptiveSettings{Candidates: []Candidate{{"snappy", 1}}, Initial: Candidate{"snappy", 1},
			LinkBytesPerSecond: 1e6, SampleShare: 1, SampleMaxBytes: 4 << 20, Format: tc.format})
		a.Observe(Traces, raw)
		ds := a.Evaluate()
		require.Len(t, ds, 1)
		require.Len(t, ds[0].Trials, 1)
		assert.Equal(t, tc.want, ds[0].Trials[0].OutBytes)
		assert.Equal(t, "snappy", ds[0].Trials[0].Codec, "trials are named by the wire codec")
	}
}

// TestAdaptiveTrialBudget: after the first trial, trials run only while a
// share of the send path's compression CPU covers the trials' CPU; a
// rejected current codec is re-decided regardless.
func TestAdaptiveTrialBudget(t *testing.T) {
	var rejected atomic.Bool
	cands := []Candidate{{"zstd", 1}, {"snappy", 1}, {"none", 0}}
	a := NewAdaptive(AdaptiveSettings{Candidates: cands, Initial: Candidate{"zstd", 1}, LinkBytesPerSecond: 1e5,
		SampleShare: 1, SampleMaxBytes: 4 << 20, MaxBackoff: 1, TrialBudget: 0.1,
		Usable: func(c string) bool { return !rejected.Load() || c != "zstd" }})
	a.cpuTime = fakeCPUClock() // every trial of a candidate measures 0.5 ms
	raw := marshalTraces(t, 200, 3)
	evaluate := func() (tried bool) {
		a.Observe(Traces, raw)
		ds := a.Evaluate()
		return len(ds) == 1 && len(ds[0].Trials) > 0
	}
	require.True(t, evaluate(), "the first trial needs no budget")
	require.Equal(t, "zstd", a.Choose(Traces, 0).Codec)
	// zstd and snappy x (0.5 ms warm-up + 0.5 ms trial) = 2 ms spent ("none"
	// costs no CPU: it is sent as it is); 10% of the send CPU must cover it.
	assert.False(t, evaluate(), "nothing earned yet")
	a.ObserveCompression(Traces, 10*time.Millisecond)
	assert.False(t, evaluate(), "1 ms earned of 2 ms spent")
	a.ObserveCompression(Metrics, time.Second)
	assert.False(t, evaluate(), "another signal's compression earns nothing for traces")
	a.ObserveCompression(Traces, 10*time.Millisecond)
	assert.True(t, evaluate(), "2 ms earned covers 2 ms spent")
	assert.False(t, evaluate(), "4 ms spent, 2 ms earned")

	rejected.Store(true)
	require.True(t, evaluate(), "a rejected current codec is re-decided over the budget")
	assert.NotEqual(t, "zstd", a.Choose(Traces, 0).Codec)

	// Without a budget (share 0), trials run at every evaluation.
	b := NewAdaptive(AdaptiveSettings{Candidates: cands, Initial: Candidate{"zstd", 1}, LinkBytesPerSecond: 1e5,
		SampleShare: 1, SampleMaxBytes: 4 << 20, MaxBackoff: 1})
	b.cpuTime = fakeCPUClock()
	for i := range 3 {
		b.Observe(Traces, raw)
		ds := b.Evaluate()
		require.Len(t, ds, 1, "evaluation %d", i)
		assert.NotEmpty(t, ds[0].Trials)
	}
}

// TestShortlistKeepsCandidatesTiedOnCPUNoise: between full evaluations a
// candidate beyond the margin is still tried when it is tied with the best
// within the CPU noise and spends less CPU, since it can win the tie-break.
func TestShortlistKeepsCandidatesTiedOnCPUNoise(t *testing.T) {
	l, c, d := Candidate{"br", 4}, Candidate{"zstd", 3}, Candidate{"zstd", 1}
	a := NewAdaptive(AdaptiveSettings{Candidates: []Candidate{l, c, d}, Initial: l, LinkBytesPerSecond: 1e6,
		SampleShare: 1, SampleMaxBytes: 1 << 20, Margin: 0.01, FullEvery: 100, CPUNoise: 0.5})
	// Per input byte at 1 MB/s: l costs 10 ns CPU + 100 ns wire = 110 ns; c
	// 2 + 112 = 114 ns (4 ns more, within 0.5 x 12 ns of CPU: tied); d
	// 1 + 120 = 121 ns (11 ns more, beyond 0.5 x 11 ns: not tied).
	a.history[Traces] = map[Candidate]*totals{
		l: {in: 1e6, out: 1e5, cpu: 0.010},
		c: {in: 1e6, out: 1.12e5, cpu: 0.002},
		d: {in: 1e6, out: 1.2e5, cpu: 0.001},
	}
	a.evals[Traces] = 1 // not a full evaluation
	assert.Equal(t, []Candidate{l, c}, a.shortlist(Traces, 1e6))
	a.set.CPUNoise = 0
	a.evals[Traces] = 1
	assert.Equal(t, []Candidate{l}, a.shortlist(Traces, 1e6), "without noise only the margin keeps candidates")
}
