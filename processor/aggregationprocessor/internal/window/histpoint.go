package window

import "slices"

// Histogram is an explicit-bucket histogram point as plain values.
type Histogram struct {
	Count  uint64
	Sum    float64
	HasSum bool
	Min    float64
	HasMin bool
	Max    float64
	HasMax bool
	Bounds []float64
	Counts []uint64
	// Merged is set once a point has been added.
	Merged bool
}

// SameBounds reports whether h and o have identical bucket bounds.
func (h *Histogram) SameBounds(o *Histogram) bool {
	return slices.Equal(h.Bounds, o.Bounds) && len(h.Counts) == len(o.Counts)
}

// Add merges o into h; both must have the same bounds (SameBounds).
func (h *Histogram) Add(o *Histogram) {
	first := !h.Merged
	if first {
		h.Bounds = slices.Clone(o.Bounds)
		h.Counts = make([]uint64, len(o.Counts))
		h.Merged = true
	}
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
	h.Count += o.Count
	mergeSummary(&h.Sum, &h.HasSum, &h.Min, &h.HasMin, &h.Max, &h.HasMax, o.Sum, o.HasSum, o.Min, o.HasMin, o.Max, o.HasMax, first)
}

// Sub returns h - prev when prev is an earlier cumulative point of the same
// series, and false when the difference shows a reset (different bounds or
// a decreasing count).
func (h *Histogram) Sub(prev *Histogram) (*Histogram, bool) {
	if !h.SameBounds(prev) || h.Count < prev.Count {
		return nil, false
	}
	d := &Histogram{Count: h.Count - prev.Count, Bounds: h.Bounds, Counts: make([]uint64, len(h.Counts)), Merged: true}
	for i := range h.Counts {
		if h.Counts[i] < prev.Counts[i] {
			return nil, false
		}
		d.Counts[i] = h.Counts[i] - prev.Counts[i]
	}
	if h.HasSum && prev.HasSum {
		d.Sum, d.HasSum = h.Sum-prev.Sum, true
	}
	// Min and max of a cumulative series cannot be turned into the min and
	// max of the increase; they are left unset.
	return d, true
}

// mergeSummary merges sum/min/max of a point into the running ones. first
// says the receiver was empty before this point (so a missing sum in the
// new point does not invalidate anything yet).
func mergeSummary(sum *float64, hasSum *bool, mn *float64, hasMin *bool, mx *float64, hasMax *bool,
	oSum float64, oHasSum bool, oMin float64, oHasMin bool, oMax float64, oHasMax bool, first bool,
) {
	switch {
	case first:
		*sum, *hasSum = oSum, oHasSum
	case *hasSum && oHasSum:
		*sum += oSum
	default:
		*hasSum = false
		*sum = 0
	}
	if oHasMin && (!*hasMin || oMin < *mn) {
		*mn, *hasMin = oMin, true
	}
	if oHasMax && (!*hasMax || oMax > *mx) {
		*mx, *hasMax = oMax, true
	}
}
