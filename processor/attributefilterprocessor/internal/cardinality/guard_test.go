package cardinality

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestBudgetPerKeyAndWindow(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	g := New([]Limit{{Metrics: "http.*", Keys: []string{"user.id", "route"}, MaxValues: 3}}, time.Minute, 10, c.now)
	g.Lock()
	m := g.Metric("http.requests")
	require.NotNil(t, m)
	require.Len(t, m.Keys, 2)
	admitted := 0
	for i := range 10 {
		if m.Keys[0].Admit(fmt.Sprintf("u%d", i)) {
			admitted++
		}
	}
	assert.Equal(t, 3, admitted, "at most max_values distinct values per window")
	assert.True(t, m.Keys[0].Admit("u1"), "a value seen this window stays admitted")
	assert.True(t, m.Keys[1].AdmitBytes([]byte("/a")), "each key has its own budget")
	assert.Nil(t, g.Metric("db.calls"), "no limit applies")
	g.Unlock()

	c.t = c.t.Add(59 * time.Second)
	g.Lock()
	assert.False(t, g.Metric("http.requests").Keys[0].Admit("u9"), "same window: budget still spent")
	g.Unlock()

	c.t = c.t.Add(time.Second)
	g.Lock()
	assert.True(t, g.Metric("http.requests").Keys[0].Admit("u9"), "new window: budget restarts")
	g.Unlock()
}

// TestStateBounded: metric names beyond max_tracked_metrics are not stored and get no budget.
func TestStateBounded(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	g := New([]Limit{{Metrics: "*", Keys: []string{"k"}, MaxValues: 5}}, time.Hour, 4, c.now)
	g.Lock()
	for i := range 100 {
		m := g.Metric(fmt.Sprintf("m%d", i))
		require.NotNil(t, m)
		assert.Equal(t, i >= 4, m.Untracked)
		if i < 4 {
			assert.True(t, m.Keys[0].Admit("v"))
		} else {
			assert.False(t, m.Keys[0].Admit("v"), "metric %d beyond the table overflows", i)
		}
	}
	g.Unlock()
	assert.Equal(t, 4, g.Tracked())
}

func TestFirstLimitWinsPerKey(t *testing.T) {
	g := New([]Limit{
		{Metrics: "http.server.*", Keys: []string{"route"}, MaxValues: 1},
		{Metrics: "*", Keys: []string{"route", "client"}, MaxValues: 9},
	}, time.Hour, 10, time.Now)
	g.Lock()
	defer g.Unlock()
	m := g.Metric("http.server.duration")
	require.Len(t, m.Keys, 2)
	assert.Equal(t, "route", m.Keys[0].Name)
	assert.Equal(t, 1, m.Keys[0].max)
	assert.Equal(t, "client", m.Keys[1].Name)
	assert.Equal(t, 9, m.Keys[1].max)
}

// BenchmarkAdmitSeen is the cost of a value already within the budget: the
// guard's work on every point of a well-behaved metric.
func BenchmarkAdmitSeen(b *testing.B) {
	g := New([]Limit{{Metrics: "*", Keys: []string{"route"}, MaxValues: 100}}, time.Hour, 10, time.Now)
	g.Lock()
	defer g.Unlock()
	m := g.Metric("http.server.duration")
	values := make([]string, 100)
	for i := range values {
		values[i] = fmt.Sprintf("/api/v1/orders/%d", i)
		m.Keys[0].Admit(values[i])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if !m.Keys[0].Admit(values[i%len(values)]) {
			b.Fatal("a seen value must stay admitted")
		}
		i++
	}
}

// TestLongValuesCostNoMemory: values are kept as hashes, so a budget spent on
// long values holds none of their text.
func TestLongValuesCostNoMemory(t *testing.T) {
	g := New([]Limit{{Metrics: "*", Keys: []string{"k"}, MaxValues: 2}}, time.Hour, 10, time.Now)
	g.Lock()
	defer g.Unlock()
	k := &g.Metric("m").Keys[0]
	long := strings.Repeat("x", 1<<20)
	assert.True(t, k.Admit(long))
	assert.True(t, k.AdmitBytes([]byte("200")))
	assert.True(t, k.Admit("200"), "a number and its text are one value")
	assert.True(t, k.Admit(strings.Repeat("x", 1<<20)), "an equal long value is the same value")
	assert.False(t, k.Admit(long+"y"), "budget of 2 spent")
	assert.Len(t, k.values, 2)
}
