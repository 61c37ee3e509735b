package window

import (
	"encoding/gob"
	"fmt"
)

func init() {
	for _, s := range []State{&SumState{}, &CountState{}, &MinState{}, &MaxState{}, &AvgState{}, &LastState{}, &RateState{}, &HistogramState{}, &ExpHistogramState{}} {
		gob.Register(s)
	}
}

// Snapshot is the open state of an Aggregator in a form encoding/gob can
// write (attributes as raw maps, states by their concrete types).
type Snapshot struct {
	FlushedUpTo int64
	Windows     []SavedWindow
	Running     []RunningSnapshot
}

// SavedWindow is one open window.
type SavedWindow struct {
	Start  int64
	Groups []GroupSnapshot
	Series []SeriesSnapshot
}

// GroupSnapshot is one group of a window.
type GroupSnapshot struct {
	Key, ResKey, ScopeKey                                  Key
	Resource                                               Attrs
	ResourceURL, ScopeName, ScopeVer, ScopeURL, Name, Desc string
	Unit                                                   string
	Input                                                  Input
}

// SeriesSnapshot is one series of a window.
type SeriesSnapshot struct {
	Key      Key
	Group    int
	Overflow bool
	Attrs    Attrs
	States   []State
}

// RunningSnapshot is the running totals of one cumulative output series.
type RunningSnapshot struct {
	Key         Key
	Start, Last int64
	Attrs       Attrs
	States      []State
	Starts      []int64
}

// Snapshot returns the open state of a. The states are shared, not
// copied: encode the snapshot before the aggregator changes again.
func (a *Aggregator) Snapshot() Snapshot {
	snap := Snapshot{FlushedUpTo: a.flushedUpTo}
	for _, w := range a.windows {
		ws := SavedWindow{Start: w.Start}
		gi := map[*Group]int{}
		for _, s := range w.list {
			i, ok := gi[s.Group]
			if !ok {
				g := s.Group
				i = len(ws.Groups)
				gi[g] = i
				ws.Groups = append(ws.Groups, GroupSnapshot{
					Key: g.Key, ResKey: g.ResKey, ScopeKey: g.ScopeKey, Resource: g.Resource,
					ResourceURL: g.ResourceURL, ScopeName: g.ScopeName, ScopeVer: g.ScopeVer, ScopeURL: g.ScopeURL,
					Name: g.Name, Desc: g.Description, Unit: g.Unit, Input: g.Input,
				})
			}
			ws.Series = append(ws.Series, SeriesSnapshot{
				Key: s.Key, Group: i, Overflow: s == s.Group.overflow, Attrs: s.Attrs, States: s.States,
			})
		}
		snap.Windows = append(snap.Windows, ws)
	}
	for k, r := range a.running {
		snap.Running = append(snap.Running, RunningSnapshot{Key: k, Start: r.Start, Last: r.Last, Attrs: r.Attrs, States: r.States, Starts: r.Starts})
	}
	return snap
}

// Restore replaces the state of a (which must be empty) by snap. Series
// whose states do not fit the configured outputs (the configuration
// changed) are skipped and counted.
func (a *Aggregator) Restore(snap Snapshot) (skipped int, err error) {
	if len(a.windows) != 0 || a.active != 0 {
		return 0, fmt.Errorf("restore into a non-empty aggregator")
	}
	a.flushedUpTo = max(a.flushedUpTo, snap.FlushedUpTo)
	for _, ws := range snap.Windows {
		if ws.Start%a.cfg.Interval != 0 {
			skipped += len(ws.Series)
			continue
		}
		w := a.newWindow(ws.Start)
		groups := make([]*Group, len(ws.Groups))
		for i, gs := range ws.Groups {
			g := &Group{
				Key: gs.Key, ResKey: gs.ResKey, ScopeKey: gs.ScopeKey, Resource: gs.Resource,
				ResourceURL: gs.ResourceURL, ScopeName: gs.ScopeName, ScopeVer: gs.ScopeVer, ScopeURL: gs.ScopeURL,
				Name: gs.Name, Description: gs.Desc, Unit: gs.Unit, Input: gs.Input,
			}
			if a.AddGroup(w, g) {
				groups[i] = g
			}
		}
		for _, ss := range ws.Series {
			if ss.Group < 0 || ss.Group >= len(groups) || groups[ss.Group] == nil || !fits(groups[ss.Group], ss.States) {
				skipped++
				continue
			}
			g := groups[ss.Group]
			s := &Series{Key: ss.Key, Group: g, Attrs: ss.Attrs, States: ss.States}
			w.list = append(w.list, s)
			if ss.Overflow {
				g.overflow = s
				continue
			}
			w.series[ss.Key] = s
			a.active++
		}
		if len(w.list) > 0 {
			a.windows[w.Start] = w
		}
	}
	for _, rs := range snap.Running {
		a.running[rs.Key] = &running{Start: rs.Start, Last: rs.Last, Attrs: rs.Attrs, States: rs.States, Starts: rs.Starts}
	}
	return skipped, nil
}

// fits reports whether states are those of g's outputs.
func fits(g *Group, states []State) bool {
	if len(states) != len(g.Outputs) {
		return false
	}
	for i, o := range g.Outputs {
		if states[i] == nil || fmt.Sprintf("%T", states[i]) != fmt.Sprintf("%T", o.New(g.Input)) {
			return false
		}
	}
	return true
}

// InputSnapshot is one tracked cumulative input series.
type InputSnapshot struct {
	Key   Key
	State InputState
}

// Snapshot returns the tracked input series.
func (in *Inputs) Snapshot() []InputSnapshot {
	out := make([]InputSnapshot, 0, len(in.m))
	for k, st := range in.m {
		out = append(out, InputSnapshot{Key: k, State: *st})
	}
	return out
}

// Restore adds the tracked input series of a snapshot (up to Max).
func (in *Inputs) Restore(snap []InputSnapshot) {
	for _, s := range snap {
		if len(in.m) >= in.Max {
			return
		}
		st := s.State
		in.m[s.Key] = &st
	}
}
