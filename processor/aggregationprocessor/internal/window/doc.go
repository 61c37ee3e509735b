// Package window holds the aggregation state of the aggregation processor:
// output series keyed by metric identity and reduced attributes, windows
// aligned to wall-clock multiples of an interval, and one small type per
// output (sum, increase, count, min, max, avg, last, rate, histogram).
package window
