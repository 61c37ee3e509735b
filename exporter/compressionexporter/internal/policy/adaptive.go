package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
)

// Candidate is one codec and level the adaptive policy may pick.
type Candidate struct {
	Codec string
	Level int
}

// AdaptiveSettings configures Adaptive.
type AdaptiveSettings struct {
	Candidates []Candidate // in preference order; ties go to the earlier one
	Initial    Candidate   // used until the first evaluation with samples
	// LinkBytesPerSecond, when positive, replaces the measured link throughput.
	LinkBytesPerSecond float64
	SampleShare        float64 // share of requests copied into the sample
	SampleMinBytes     int     // per signal and evaluation, taken first
	SampleMaxBytes     int     // per signal
	// Usable reports whether a codec may currently be sent (allowed by the
	// transport and not rejected by the server). Nil means always.
	Usable func(codec string) bool
	// Format returns the codec whose output the transport sends for a wire
	// codec (gRPC's "snappy" is the Snappy framing format). Nil means the
	// codec itself.
	Format func(codec string) string
	// CPUNoise is the relative error assumed of a trial's CPU time: a
	// candidate whose estimated cost exceeds the lowest by less than this
	// share of the two candidates' CPU times is tied with it, and the tied
	// candidate with the least CPU time wins (see Cheapest).
	CPUNoise float64
	// TrialBudget bounds the trials' CPU time to this share of the CPU time
	// the send path spends compressing the signal's requests: after its
	// first trial, a signal runs trials only while the budget it has earned
	// covers what its trials have spent. 0 means no bound. A current codec
	// the server rejected is re-decided regardless.
	TrialBudget float64
	// Margin prunes trials: between full evaluations, only candidates whose
	// cost estimated from their last trial is within (1+Margin) of the best
	// estimate are tried again. 0 disables pruning.
	Margin float64
	// FullEvery makes every FullEvery-th trial of a signal try every
	// candidate again; 0 or 1 means always.
	FullEvery int
	// MaxBackoff spaces out the trials while a signal's choice is stable:
	// after each trial that keeps the choice, the number of evaluations until
	// the next trial doubles, up to MaxBackoff; a new choice, a link rate
	// moving by more than rateShift or a mean request size moving by more
	// than sizeShift brings it back to 1. 0 or 1 trials at every evaluation.
	MaxBackoff int
}

// Decision is the outcome of one evaluation for one signal.
type Decision struct {
	Signal             string
	Choice             Choice
	LinkBytesPerSecond float64
	Trials             []Trial
	// Probes are the compressions of the probe (see probeBytes) that are
	// not part of any estimate: each candidate's warm-up, and the probe of a
	// candidate it left out. Their CPU time counts as trial CPU.
	Probes []Trial
}

// TrialCPU is the CPU time of the decision's trials and probes.
func (d Decision) TrialCPU() time.Duration {
	var cpu time.Duration
	for _, t := range d.Trials {
		cpu += t.CPU
	}
	for _, p := range d.Probes {
		cpu += p.CPU
	}
	return cpu
}

// Adaptive picks, per signal, the candidate with the lowest estimated cost
// (see Trial.Cost) on a sample of recent requests. Choose is lock-free; the
// trials run in Evaluate, off the send path.
type Adaptive struct {
	set     AdaptiveSettings
	link    Link
	samples map[string]*Sample
	current map[string]*atomic.Pointer[Choice]
	evalMu  sync.Mutex
	// per signal: each candidate's trial totals, decayed by historyDecay at
	// every evaluation of the signal, and the number of evaluations so far.
	history map[string]map[Candidate]*totals
	evals   map[string]int
	backoff map[string]*backoff
	budget  map[string]*trialBudget
	// cpuTime returns the CPU time consumed so far by the calling thread.
	cpuTime func() time.Duration
}

// NewAdaptive returns an adaptive policy starting on set.Initial.
func NewAdaptive(set AdaptiveSettings) *Adaptive {
	a := &Adaptive{
		set:     set,
		samples: map[string]*Sample{},
		current: map[string]*atomic.Pointer[Choice]{},
		cpuTime: threadCPUTime,
		history: map[string]map[Candidate]*totals{},
		evals:   map[string]int{},
		backoff: map[string]*backoff{},
		budget:  map[string]*trialBudget{},
	}
	for _, s := range Signals {
		a.backoff[s] = &backoff{}
		a.budget[s] = &trialBudget{}
		a.samples[s] = NewSample(set.SampleShare, set.SampleMinBytes, set.SampleMaxBytes)
		p := &atomic.Pointer[Choice]{}
		p.Store(&Choice{Codec: set.Initial.Codec, Level: set.Initial.Level, Reason: ReasonInitial})
		a.current[s] = p
	}
	return a
}

// Choose returns the current choice for the signal.
func (a *Adaptive) Choose(signal string, _ int) Choice {
	if p, ok := a.current[signal]; ok {
		return *p.Load()
	}
	return Choice{Codec: a.set.Initial.Codec, Level: a.set.Initial.Level, Reason: ReasonInitial}
}

// Current returns the current choice of every signal.
func (a *Adaptive) Current() map[string]Choice {
	out := make(map[string]Choice, len(a.current))
	for s, p := range a.current {
		out[s] = *p.Load()
	}
	return out
}

// Observe offers an uncompressed request to the signal's sample.
func (a *Adaptive) Observe(signal string, raw []byte) {
	if s, ok := a.samples[signal]; ok {
		a.backoff[signal].observe(len(raw))
		s.Offer(raw)
	}
}

// ObserveCompression records the CPU time the send path spent compressing
// one of the signal's requests; the trial budget is a share of it.
func (a *Adaptive) ObserveCompression(signal string, cpu time.Duration) {
	if b, ok := a.budget[signal]; ok {
		b.earn(cpu)
	}
}

// ObserveSend records a completed send for the link estimate.
func (a *Adaptive) ObserveSend(wireBytes int, d time.Duration) { a.link.Observe(wireBytes, d) }

// LinkRate returns the link throughput the cost model uses, in bytes per second.
func (a *Adaptive) LinkRate() float64 {
	if a.set.LinkBytesPerSecond > 0 {
		return a.set.LinkBytesPerSecond
	}
	return a.link.Estimate()
}

// Evaluate trial-compresses each signal's sample with every usable candidate
// and switches to the cheapest. Signals without samples, or while the link
// rate is still unknown, keep their choice and return no decision.
func (a *Adaptive) Evaluate() []Decision {
	a.evalMu.Lock()
	defer a.evalMu.Unlock()
	rate := a.LinkRate()
	var out []Decision
	var buf []byte
	for _, signal := range Signals {
		smp := a.samples[signal]
		sample := smp.Take()
		bo := a.backoff[signal]
		mean := bo.takeMean()
		if len(sample) == 0 && mean == 0 {
			continue
		}
		cur := *a.current[signal].Load()
		usable := a.set.Usable == nil || a.set.Usable(cur.Codec)
		budget := a.budget[signal]
		// The first trial of a signal is the one that creates its history.
		if usable && !budget.allows(a.set.TrialBudget, a.history[signal] == nil) {
			// The trials' CPU is ahead of the budget: keep the choice and
			// keep sampling, so a trial can run once the budget allows.
			smp.SetActive(true)
			continue
		}
		if bo.skip(rate, mean, usable) {
			// Sampling pauses while trials are skipped and resumes for
			// the interval before the next trial.
			smp.SetActive(bo.wait == 0)
			continue
		}
		smp.SetActive(true)
		if len(sample) == 0 {
			// The backoff ended while sampling was paused: the next
			// evaluation has a sample to try.
			continue
		}
		trials, probes := a.trials(signal, sample, a.shortlist(signal, rate), rate, &buf)
		d := Decision{Signal: signal, LinkBytesPerSecond: rate, Trials: trials, Probes: probes}
		budget.spend(d.TrialCPU())
		a.remember(signal, trials)
		best, ok := Cheapest(a.smoothed(signal, trials), rate, a.set.CPUNoise)
		if !ok {
			d.Choice = *a.current[signal].Load()
			out = append(out, d)
			continue
		}
		d.Choice = Choice{Codec: best.Codec, Level: best.Level, Reason: ReasonLowestCost}
		bo.trialed(d.Choice.Key() == cur.Key() && cur.Reason == ReasonLowestCost, a.set.MaxBackoff, rate, mean)
		smp.SetActive(bo.wait == 0)
		a.current[signal].Store(&d.Choice)
		out = append(out, d)
	}
	return out
}

// historyDecay weighs the trial totals of earlier evaluations: each
// evaluation multiplies them by this factor before adding its own. Totals are
// sums of bytes, so a large request weighs more than a small one, as it does
// in the traffic, and one unusual sample does not flip the choice.
const historyDecay = 0.7

// totals are a candidate's decayed trial sums.
type totals struct{ in, out, cpu float64 }

// perByte returns the CPU seconds and compressed bytes per input byte.
func (t *totals) perByte() (cpu, out float64) { return t.cpu / t.in, t.out / t.in }

// shortlist returns the candidates to try for the signal. A candidate with
// no history is always tried. A candidate whose CPU time per byte alone
// exceeds the best estimated cost per byte (CPU plus link time, with the
// margin) cannot win and is left out, on full evaluations too: its CPU cost
// does not depend on the link, and the bound moves with the link rate. On
// other evaluations, only the candidates whose last estimated cost is within
// the margin of the best are tried. Every candidate on the list runs on the
// same sample, since ratios depend on the sample's mix.
func (a *Adaptive) shortlist(signal string, rate float64) []Candidate {
	n := a.evals[signal]
	a.evals[signal] = n + 1
	hist := a.history[signal]
	if a.set.Margin <= 0 || len(hist) == 0 || !(rate > 0) {
		return a.set.Candidates
	}
	full := a.set.FullEvery <= 1 || n%a.set.FullEvery == 0
	est := func(c Candidate) (cost, cpu float64, ok bool) {
		h, ok := hist[c]
		if !ok || h.in <= 0 {
			return 0, 0, false
		}
		cpu, out := h.perByte()
		return cpu + out/rate, cpu, true
	}
	best, bestCPU := -1.0, 0.0
	for _, c := range a.set.Candidates {
		if e, cpu, ok := est(c); ok && (best < 0 || e < best) {
			best, bestCPU = e, cpu
		}
	}
	bound := best * (1 + a.set.Margin)
	var list []Candidate
	for _, c := range a.set.Candidates {
		e, cpu, ok := est(c)
		switch {
		case !ok:
			list = append(list, c)
		case cpu > bound:
		case full || e <= bound:
			list = append(list, c)
		case cpu < bestCPU && tiedCost(e, best, cpu, bestCPU, a.set.CPUNoise):
			// Tied with the best and spending less CPU: it can win (see Cheapest).
			list = append(list, c)
		}
	}
	return list
}

func (a *Adaptive) remember(signal string, trials []Trial) {
	hist := a.history[signal]
	if hist == nil {
		hist = map[Candidate]*totals{}
		a.history[signal] = hist
	}
	for _, h := range hist {
		h.in, h.out, h.cpu = h.in*historyDecay, h.out*historyDecay, h.cpu*historyDecay
	}
	for _, t := range trials {
		if t.InBytes <= 0 {
			continue
		}
		c := Candidate{t.Codec, t.Level}
		h := hist[c]
		if h == nil {
			h = &totals{}
			hist[c] = h
		}
		h.in += float64(t.InBytes)
		h.out += float64(t.OutBytes)
		h.cpu += t.CPU.Seconds()
	}
}

// smoothed returns this evaluation's trials with their ratio and CPU per
// byte taken from the candidates' decayed totals, scaled to the sample's
// size, so Cheapest compares the candidates on recent traffic rather than
// on one sample.
func (a *Adaptive) smoothed(signal string, trials []Trial) []Trial {
	hist := a.history[signal]
	out := make([]Trial, 0, len(trials))
	for _, t := range trials {
		h, ok := hist[Candidate{t.Codec, t.Level}]
		if ok && h.in > 0 {
			cpu, ob := h.perByte()
			t.OutBytes = int(ob * float64(t.InBytes))
			t.CPU = time.Duration(cpu * float64(t.InBytes) * float64(time.Second))
		}
		out = append(out, t)
	}
	return out
}

// probeBytes bounds the probe: the first probeBytes of the sample's largest
// request. Each candidate first compresses the probe once to warm its
// encoder, whose first use with a large input allocates state sized for it
// (measured at up to 10x the steady CPU per byte), so the trial measures
// compression rather than allocation. A candidate with no history then
// compresses it again, warm, once a cheaper candidate has been measured in
// the same evaluation: CPU time per byte changes little with the amount of
// input, so if its CPU time per byte alone exceeds the lowest cost per byte
// measured so far (with the margin) it cannot win on the whole sample
// either, and is left out. This keeps a signal's first evaluation, which has
// no history to prune by, cheap on fast links, where the slow codecs' CPU
// alone outweighs what their bytes save.
const probeBytes = 64 << 10

// trials compresses the sample with each candidate, measuring the thread's
// CPU time; the goroutine stays on one thread while it measures. It returns
// the trials and the probes (see Decision.Probes).
func (a *Adaptive) trials(signal string, sample [][]byte, candidates []Candidate, rate float64, buf *[]byte) (trials, probes []Trial) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var in int
	probe := sample[0]
	for _, s := range sample {
		in += len(s)
		if len(s) > len(probe) {
			probe = s
		}
	}
	probe = probe[:min(len(probe), probeBytes)]
	hist := a.history[signal]
	lowest := -1.0 // lowest cost per byte measured in this evaluation
	trials = make([]Trial, 0, len(candidates))
	for _, cand := range candidates {
		if a.set.Usable != nil && !a.set.Usable(cand.Codec) {
			continue
		}
		name := cand.Codec
		if a.set.Format != nil {
			name = a.set.Format(name)
		}
		t := Trial{Codec: cand.Codec, Level: cand.Level, InBytes: in}
		if name == codec.None {
			// The send path sends an uncompressed request as it is, without
			// a copy: no CPU, every byte on the wire.
			t.OutBytes = in
		} else {
			c, ok := codec.Lookup(name)
			if !ok {
				continue
			}
			p := Trial{Codec: cand.Codec, Level: cand.Level, InBytes: len(probe)}
			start := a.cpuTime()
			*buf = c.Encode(*buf, probe, cand.Level)
			warm := a.cpuTime()
			p.CPU = warm - start
			if _, known := hist[cand]; !known && lowest > 0 && a.set.Margin > 0 && len(probe) < in {
				*buf = c.Encode(*buf, probe, cand.Level)
				end := a.cpuTime()
				p.CPU, p.InBytes = end-start, 2*len(probe)
				if (end - warm).Seconds() > lowest*(1+a.set.Margin)*float64(len(probe)) {
					probes = append(probes, p)
					continue
				}
			}
			probes = append(probes, p)
			start = a.cpuTime()
			for _, s := range sample {
				*buf = c.Encode(*buf, s, cand.Level)
				t.OutBytes += len(*buf)
			}
			t.CPU = a.cpuTime() - start
		}
		trials = append(trials, t)
		if rate > 0 && in > 0 {
			if perByte := t.Cost(rate) / float64(in); lowest < 0 || perByte < lowest {
				lowest = perByte
			}
		}
	}
	return trials, probes
}

// Run evaluates every interval until stop is closed; report receives each
// evaluation's decisions.
func (a *Adaptive) Run(interval time.Duration, stop <-chan struct{}, report func([]Decision)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			report(a.Evaluate())
		}
	}
}
