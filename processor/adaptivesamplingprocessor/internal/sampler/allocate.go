package sampler // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"

import (
	"math"
	"sort"
)

// allocate shares a budget of kept spans per interval between keys with the
// given counts. Each key's share of the budget is proportional to log(1+count),
// so rare keys get a larger share than their traffic; keys whose share exceeds
// their count are kept entirely and the surplus is shared again between the
// others (water filling). When the budget is at least the total count every key
// gets probability one. The kept total sum(prob[k]*count[k]) equals
// min(budget, sum(count)).
func allocate(counts map[string]float64, budget float64) map[string]float64 {
	probs := make(map[string]float64, len(counts))
	if budget <= 0 {
		for k := range counts {
			probs[k] = 0
		}
		return probs
	}
	type entry struct {
		key    string
		count  float64
		weight float64
	}
	open := make([]entry, 0, len(counts))
	for k, c := range counts {
		if c <= 0 {
			probs[k] = 1
			continue
		}
		open = append(open, entry{k, c, math.Log1p(c)})
	}
	// Keys saturate in order of count/weight: the smallest saturate first.
	sort.Slice(open, func(i, j int) bool {
		ri, rj := open[i].count/open[i].weight, open[j].count/open[j].weight
		if ri != rj {
			return ri < rj
		}
		return open[i].key < open[j].key
	})
	var weights float64
	for _, e := range open {
		weights += e.weight
	}
	remaining := budget
	i := 0
	for ; i < len(open); i++ {
		e := open[i]
		share := remaining * e.weight / weights
		if share < e.count {
			break
		}
		probs[e.key] = 1
		remaining -= e.count
		weights -= e.weight
	}
	for ; i < len(open); i++ {
		e := open[i]
		probs[e.key] = remaining * e.weight / weights / e.count
	}
	return probs
}
