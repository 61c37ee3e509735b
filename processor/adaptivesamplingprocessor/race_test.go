//go:build race

package adaptivesamplingprocessor

// raceEnabled: the race detector instruments allocations, so allocation counts
// are only asserted without it.
const raceEnabled = true
