package window

// Inputs remembers, per cumulative input series (before reduction), the
// last point seen, to turn cumulative values into increases.
//
// A point is a reset, and its whole value the increase, when its start time
// differs from the previous point's, or when a monotonic value (or a
// histogram count or bucket) decreases. The first point of a series is
// a baseline (increase 0) unless its start time is at or after Since, the
// time the processor began tracking: such a series started while it was
// watched, so all of its value is new.
type Inputs struct {
	// Since is the Unix ns time from which new series count from zero.
	Since int64
	// Max bounds the number of tracked input series.
	Max int
	// Last is the state of the series of the latest Number, Histogram or
	// ExpHistogram call (nil when it was not tracked).
	Last *InputState
	m    map[Key]*InputState
}

// InputState is the last point of one cumulative input series.
type InputState struct {
	Start int64
	Time  int64
	Value Number
	Hist  *Histogram
	Exp   *ExpHistogram
	// Seen is the Unix ns time the series was last updated.
	Seen int64
	// Born marks a series first seen with a start time at or after Since
	// that has not been counted yet.
	Born bool

	// out remembers the output series this input series went to in the
	// window with generation outGen (not checkpointed).
	out    *Series
	outGen uint64
}

// Output returns the output series the input series went to in window w,
// or nil when it has not gone to one in w yet.
func (st *InputState) Output(w *Window) *Series {
	if st == nil || st.out == nil || st.outGen != w.Gen {
		return nil
	}
	return st.out
}

// SetOutput remembers that the input series went to s in window w.
func (st *InputState) SetOutput(w *Window, s *Series) {
	if st != nil {
		st.out, st.outGen = s, w.Gen
	}
}

// NewInputs returns empty input tracking.
func NewInputs(since int64, maxSeries int) *Inputs {
	return &Inputs{Since: since, Max: maxSeries, m: map[Key]*InputState{}}
}

// Len is the number of tracked input series.
func (in *Inputs) Len() int { return len(in.m) }

// Outcome of a cumulative point.
type Outcome uint8

// Outcomes.
const (
	// Increase: the point has an increase (possibly a reset).
	Increase Outcome = iota
	// Baseline: first point of a series, nothing to count yet.
	Baseline
	// Stale: not newer than the last point of the series; ignored.
	Stale
	// Full: the series is new and Max series are tracked; dropped.
	Full
)

func (in *Inputs) state(k Key, start, ts int64) (st *InputState, out Outcome) {
	defer func() { in.Last = st }()
	st = in.m[k]
	if st == nil {
		if len(in.m) >= in.Max {
			return nil, Full
		}
		st = &InputState{Start: start, Time: ts}
		in.m[k] = st
		if start != 0 && start >= in.Since {
			st.Born = true
			return st, Increase
		}
		return st, Baseline
	}
	if ts <= st.Time && !st.Born {
		return st, Stale
	}
	return st, Increase
}

// Number returns the increase of a cumulative number point.
func (in *Inputs) Number(k Key, start, ts int64, v Number, monotonic bool, now int64) (Number, Outcome) {
	st, out := in.state(k, start, ts)
	switch out {
	case Full, Stale:
		return Number{}, out
	case Baseline:
		st.Value, st.Seen = v, now
		return zeroLike(v), Baseline
	}
	reset := st.Born || (start != 0 && start != st.Start) || (monotonic && v.Less(st.Value))
	var d Number
	switch {
	case reset:
		d = v
	case v.IsInt && st.Value.IsInt:
		d = Int(v.I - st.Value.I)
	default:
		d = Float(v.Float64() - st.Value.Float64())
	}
	st.Start, st.Time, st.Value, st.Seen, st.Born = start, ts, v, now, false
	return d, Increase
}

// Histogram returns the increase of a cumulative explicit-bucket point.
func (in *Inputs) Histogram(k Key, start, ts int64, h *Histogram, now int64) (*Histogram, Outcome) {
	st, out := in.state(k, start, ts)
	switch out {
	case Full, Stale:
		return nil, out
	case Baseline:
		st.Hist, st.Seen = h, now
		return nil, Baseline
	}
	d := h
	if !st.Born && st.Hist != nil && (start == 0 || start == st.Start) {
		if diff, ok := h.Sub(st.Hist); ok {
			d = diff
		}
	}
	st.Start, st.Time, st.Hist, st.Seen, st.Born = start, ts, h, now, false
	return d, Increase
}

// ExpHistogram returns the increase of a cumulative exponential point.
func (in *Inputs) ExpHistogram(k Key, start, ts int64, h *ExpHistogram, now int64) (*ExpHistogram, Outcome) {
	st, out := in.state(k, start, ts)
	switch out {
	case Full, Stale:
		return nil, out
	case Baseline:
		st.Exp, st.Seen = h, now
		return nil, Baseline
	}
	d := h
	if !st.Born && st.Exp != nil && (start == 0 || start == st.Start) {
		if diff, ok := h.Sub(st.Exp); ok {
			d = diff
		}
	}
	st.Start, st.Time, st.Exp, st.Seen, st.Born = start, ts, h, now, false
	return d, Increase
}

// Expire forgets the series not updated since before.
func (in *Inputs) Expire(before int64) {
	for k, st := range in.m {
		if st.Seen < before {
			delete(in.m, k)
		}
	}
}

func zeroLike(v Number) Number {
	if v.IsInt {
		return Int(0)
	}
	return Float(0)
}
