package window

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// OverflowAttribute marks the series that collects the points of series
// refused by the max_series bound, as the OpenTelemetry SDK does.
const OverflowAttribute = "otel.metric.overflow"

// runningIdleWindows is how many intervals a cumulative output series may
// go without points before its running total is forgotten.
const runningIdleWindows = 10

// overflowSalt derives the key of a group's overflow series.
const overflowSalt = 0x0f1e2d3c4b5a6978

// Config configures one Aggregator (one rule).
type Config struct {
	// Interval is the window length in nanoseconds; windows start at
	// multiples of it (Unix time).
	Interval int64
	// Outputs are the outputs of the rule in configuration order.
	Outputs []Output
	// MaxSeries bounds the series of the open windows; further series go
	// to one overflow series per metric.
	MaxSeries int
	// DropLate drops points stamped in an already flushed window instead of
	// counting them in the current one.
	DropLate bool
	// Cumulative emits additive outputs with cumulative temporality.
	Cumulative bool
}

// Group is what the series of one output metric share: the reduced
// resource, the scope, the input metric's identity and the outputs that
// apply to it.
type Group struct {
	Key         Key
	ResKey      Key
	ScopeKey    Key
	Resource    Attrs
	ResourceURL string
	ScopeName   string
	ScopeVer    string
	ScopeURL    string
	Name        string
	Description string
	Unit        string
	Input       Input
	// Outputs (and their Shapes) are the rule's outputs that apply to Input.
	Outputs []Output
	Shapes  []Shape

	overflow *Series
}

// Series is one output series in one window.
type Series struct {
	Key    Key
	Group  *Group
	Attrs  Attrs
	States []State
}

// Push adds a sample to every output of the series and returns how many
// outputs rejected it (see Rejecter).
func (s *Series) Push(x *Sample) (rejected int) {
	for _, st := range s.States {
		if r, ok := st.(Rejecter); ok && r.Rejects(x) {
			rejected++
			continue
		}
		st.Push(x)
	}
	return rejected
}

// Window is one open window of a rule.
type Window struct {
	Start int64
	// Gen identifies the window among all windows of its aggregator, past
	// and present (a window reopened at the same start gets a new Gen).
	Gen        uint64
	groups     map[Key]*Group
	series     map[Key]*Series
	list       []*Series
	overflowed map[Key]struct{}
}

// Len is the number of series of the window (overflow series included).
func (w *Window) Len() int { return len(w.list) }

// Series returns the series of the window in creation order.
func (w *Window) Series() []*Series { return w.list }

// Group returns the group gk of the window or nil.
func (w *Window) Group(gk Key) *Group { return w.groups[gk] }

// Placement says where a point went.
type Placement uint8

// Placements.
const (
	// InWindow: the point's own window.
	InWindow Placement = iota
	// LateMoved: its window was flushed; it went to the current window.
	LateMoved
	// LateDropped: its window was flushed; it was dropped.
	LateDropped
)

// Aggregator is the state of one rule: its open windows and, for
// cumulative temporality, the running totals of its output series.
type Aggregator struct {
	cfg         Config
	windows     map[int64]*Window
	flushedUpTo int64
	active      int
	gen         uint64
	running     map[Key]*running
}

type running struct {
	Start  int64
	Last   int64
	Attrs  Attrs
	States []State
	// Starts, once an output's total started again, holds the start time
	// of each output (0: Start).
	Starts []int64
}

func (r *running) start(i int) int64 {
	if i < len(r.Starts) && r.Starts[i] != 0 {
		return r.Starts[i]
	}
	return r.Start
}

func (r *running) restart(i, n int, at int64) {
	if r.Starts == nil {
		r.Starts = make([]int64, n)
	}
	r.Starts[i] = at
}

// overflowAttrs are the attributes of every overflow series.
var overflowAttrs = func() Attrs {
	m := pcommon.NewMap()
	m.PutBool(OverflowAttribute, true)
	return AttrsOf(m)
}()

// New returns an empty Aggregator.
func New(cfg Config) *Aggregator {
	if cfg.MaxSeries <= 0 {
		cfg.MaxSeries = int(^uint(0) >> 1)
	}
	return &Aggregator{cfg: cfg, windows: map[int64]*Window{}, running: map[Key]*running{}}
}

// Config returns the configuration of a.
func (a *Aggregator) Config() Config { return a.cfg }

// Start marks every window before the one containing now as flushed, so
// points older than that count as late.
func (a *Aggregator) Start(now int64) {
	a.flushedUpTo = max(a.flushedUpTo, a.align(now))
}

func (a *Aggregator) newWindow(start int64) *Window {
	a.gen++
	return &Window{Start: start, Gen: a.gen, groups: map[Key]*Group{}, series: map[Key]*Series{}}
}

// Full reports whether the rule has MaxSeries series open: points of new
// series go to overflow series.
func (a *Aggregator) Full() bool { return a.active >= a.cfg.MaxSeries }

// OverflowGroupKey is the key of the group that takes, once the rule is
// Full, the points of a metric whose (reduced) resource and scope have no
// group in the window yet: one per metric name and input kind, so new
// resources cannot grow the state past the bound either.
func OverflowGroupKey(name string, in Input) Key {
	return Key{overflowSalt, overflowSalt}.WithString(name).With(uint64(in.Kind)<<1 | boolBit(in.Monotonic))
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// Active is the number of series in open windows.
func (a *Aggregator) Active() int { return a.active }

// OpenWindows is the number of open windows.
func (a *Aggregator) OpenWindows() int { return len(a.windows) }

func (a *Aggregator) align(t int64) int64 {
	if t < 0 {
		return 0
	}
	return t - t%a.cfg.Interval
}

// Window returns the window a point stamped ts (Unix ns, 0 for unset) goes
// to at time now: its own window; the current one if ts is unset or in the
// future (clock skew); for a point stamped in an already flushed window the
// current one or none (nil) by policy.
func (a *Aggregator) Window(ts, now int64) (*Window, Placement) {
	cur := a.align(now)
	start := cur
	if ts > 0 && a.align(ts) < cur {
		start = a.align(ts)
	}
	place := InWindow
	if start < a.flushedUpTo {
		if a.cfg.DropLate {
			return nil, LateDropped
		}
		start, place = max(cur, a.flushedUpTo), LateMoved
	}
	w := a.windows[start]
	if w == nil {
		w = a.newWindow(start)
		a.windows[start] = w
	}
	return w, place
}

// AddGroup registers g in w, filling its applicable outputs; it returns
// false (and registers nothing) when no output of the rule applies.
func (a *Aggregator) AddGroup(w *Window, g *Group) bool {
	g.Outputs, g.Shapes = g.Outputs[:0], g.Shapes[:0]
	for _, o := range a.cfg.Outputs {
		if sh, ok := o.Shape(g.Input); ok {
			g.Outputs = append(g.Outputs, o)
			g.Shapes = append(g.Shapes, sh)
		}
	}
	if len(g.Outputs) == 0 {
		return false
	}
	w.groups[g.Key] = g
	return true
}

// Applies reports whether any output of the rule applies to in.
func (a *Aggregator) Applies(in Input) bool {
	for _, o := range a.cfg.Outputs {
		if _, ok := o.Shape(in); ok {
			return true
		}
	}
	return false
}

// Lookup returns the series sk of window w, or nil.
func (w *Window) Lookup(sk Key) *Series { return w.series[sk] }

// Metric is the identity of the input metric a point belongs to: what an
// overflow group is made of.
type Metric struct {
	Name        string
	Description string
	Unit        string
	Input       Input
}

// SeriesSource describes the series a point creates when its window does
// not have it yet. Its methods are called only on that miss.
type SeriesSource interface {
	// Group returns the new group of the point's (reduced) resource and scope.
	Group() *Group
	// Attrs returns the encoded (reduced) attributes of the new series.
	Attrs() Attrs
}

// SeriesFor finds or creates series sk of group gk in window w, for a point
// of metric m. A missing group is created from src, or, once the rule is
// Full, is the metric's overflow group (see OverflowGroupKey); a missing
// series is created with src's attributes, or, once the rule is Full, is
// its group's overflow series. newlyOverflowed is true the first time sk
// overflows in w (counted up to MaxSeries distinct keys).
func (a *Aggregator) SeriesFor(w *Window, gk, sk Key, m *Metric, src SeriesSource) (s *Series, newlyOverflowed bool) {
	if s := w.series[sk]; s != nil {
		return s, false
	}
	g := w.groups[gk]
	if g == nil && a.Full() {
		g = a.overflowGroup(w, m)
	}
	if g == nil {
		g = src.Group()
		a.AddGroup(w, g)
	}
	if a.Full() {
		return a.overflowSeries(w, g), a.noteOverflow(w, sk)
	}
	s = a.newSeries(w, g, sk, src.Attrs())
	w.series[sk] = s
	a.active++
	return s, false
}

// overflowGroup returns the group of window w that holds the overflow
// series of metric m for resources and scopes new to the window once the
// rule is full: its resource and scope are empty.
func (a *Aggregator) overflowGroup(w *Window, m *Metric) *Group {
	gk := OverflowGroupKey(m.Name, m.Input)
	if g := w.groups[gk]; g != nil {
		return g
	}
	g := &Group{
		Key:         gk,
		ResKey:      gk,
		Resource:    emptyAttrs,
		Name:        m.Name,
		Description: m.Description,
		Unit:        m.Unit,
		Input:       m.Input,
	}
	a.AddGroup(w, g)
	return g
}

var emptyAttrs = AttrsOf(pcommon.NewMap())

// noteOverflow records that series sk overflowed in w and reports whether
// that is new.
func (a *Aggregator) noteOverflow(w *Window, sk Key) bool {
	if w.overflowed == nil {
		w.overflowed = map[Key]struct{}{}
	}
	if _, seen := w.overflowed[sk]; !seen && len(w.overflowed) < a.cfg.MaxSeries {
		w.overflowed[sk] = struct{}{}
		return true
	}
	return false
}

func (a *Aggregator) overflowSeries(w *Window, g *Group) *Series {
	if g.overflow == nil {
		g.overflow = a.newSeries(w, g, g.Key.With(overflowSalt), overflowAttrs)
	}
	return g.overflow
}

func (a *Aggregator) newSeries(w *Window, g *Group, sk Key, attrs Attrs) *Series {
	s := &Series{Key: sk, Group: g, Attrs: attrs, States: make([]State, len(g.Outputs))}
	for i, o := range g.Outputs {
		s.States[i] = o.New(g.Input)
	}
	w.list = append(w.list, s)
	return s
}

// Flush closes the windows that ended at or before now and returns them,
// oldest first.
func (a *Aggregator) Flush(now int64) []*Window {
	var out []*Window
	for start, w := range a.windows {
		if start+a.cfg.Interval <= now {
			out = append(out, w)
		}
	}
	a.close(out)
	a.flushedUpTo = max(a.flushedUpTo, a.align(now))
	return out
}

// FlushAll closes every open window (at shutdown) and returns them, oldest
// first.
func (a *Aggregator) FlushAll() []*Window {
	out := make([]*Window, 0, len(a.windows))
	for _, w := range a.windows {
		out = append(out, w)
	}
	a.close(out)
	for _, w := range out {
		a.flushedUpTo = max(a.flushedUpTo, w.Start+a.cfg.Interval)
	}
	return out
}

func (a *Aggregator) close(ws []*Window) {
	for i := 1; i < len(ws); i++ {
		for j := i; j > 0 && ws[j].Start < ws[j-1].Start; j-- {
			ws[j], ws[j-1] = ws[j-1], ws[j]
		}
	}
	for _, w := range ws {
		delete(a.windows, w.Start)
		a.active -= len(w.series)
	}
}
