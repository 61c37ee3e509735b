package breaker

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTest() (*Breaker, *clock, *[]string) {
	c := &clock{t: time.Unix(1000, 0)}
	var changes []string
	b := New(Settings{FailureThreshold: 3, CoolDown: 5 * time.Second, HalfOpenProbes: 1, Now: c.now},
		func(from, to State) { changes = append(changes, from.String()+">"+to.String()) })
	return b, c, &changes
}

func TestOpensAfterConsecutiveFailures(t *testing.T) {
	b, _, changes := newTest()
	b.Failure()
	b.Failure()
	b.Success() // resets the run
	b.Failure()
	b.Failure()
	assert.Equal(t, Closed, b.State(), "two consecutive failures stay closed")
	assert.True(t, b.Allow())
	b.Failure()
	assert.Equal(t, Open, b.State())
	assert.False(t, b.Allow())
	assert.False(t, b.Usable())
	assert.Equal(t, []string{"closed>open"}, *changes)
}

func TestHalfOpenProbeCloses(t *testing.T) {
	b, c, changes := newTest()
	for range 3 {
		b.Failure()
	}
	c.t = c.t.Add(4999 * time.Millisecond)
	assert.Equal(t, Open, b.State(), "still cooling down")
	c.t = c.t.Add(time.Millisecond)
	assert.Equal(t, HalfOpen, b.State())
	assert.True(t, b.Usable())
	assert.True(t, b.Allow(), "one probe")
	assert.False(t, b.Allow(), "only one probe at a time")
	assert.False(t, b.Usable())
	b.Success()
	assert.Equal(t, Closed, b.State())
	assert.True(t, b.Allow())
	assert.Equal(t, []string{"closed>open", "open>half_open", "half_open>closed"}, *changes)
}

func TestHalfOpenProbeFailureReopens(t *testing.T) {
	b, c, _ := newTest()
	for range 3 {
		b.Failure()
	}
	c.t = c.t.Add(5 * time.Second)
	assert.True(t, b.Allow())
	b.Failure()
	assert.Equal(t, Open, b.State(), "a failed probe opens again")
	c.t = c.t.Add(4 * time.Second)
	assert.Equal(t, Open, b.State(), "with a fresh cool-down")
	c.t = c.t.Add(time.Second)
	assert.Equal(t, HalfOpen, b.State())
}

func TestNeutralReleasesProbe(t *testing.T) {
	b, c, _ := newTest()
	for range 3 {
		b.Failure()
	}
	c.t = c.t.Add(5 * time.Second)
	assert.True(t, b.Allow())
	b.Neutral()
	assert.Equal(t, HalfOpen, b.State())
	assert.True(t, b.Allow(), "the canceled probe's slot is free again")
}

func TestFailureWhileOpenRestartsCoolDown(t *testing.T) {
	b, c, _ := newTest()
	for range 3 {
		b.Failure()
	}
	c.t = c.t.Add(3 * time.Second)
	b.Failure() // sent anyway because every endpoint was open
	c.t = c.t.Add(3 * time.Second)
	assert.Equal(t, Open, b.State())
	c.t = c.t.Add(2 * time.Second)
	assert.Equal(t, HalfOpen, b.State())
}
