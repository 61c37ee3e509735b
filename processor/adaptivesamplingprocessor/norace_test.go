//go:build !race

package adaptivesamplingprocessor

const raceEnabled = false
