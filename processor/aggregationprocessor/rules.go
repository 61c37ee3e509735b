package aggregationprocessor

import (
	"regexp"

	"go.opentelemetry.io/otel/metric"

	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/window"
)

// rule is one configured aggregation rule with its windows and the
// per-batch counts of its points.
type rule struct {
	name    string
	cfg     RuleConfig
	match   *regexp.Regexp
	reducer window.Reducer
	agg     *window.Aggregator
	inputs  *window.Inputs
	namer   window.Namer
	attrs   metric.MeasurementOption
	// sumDeltas: some output (sum, increase, rate) needs the increases of
	// cumulative number input; without one, no input state is kept for it.
	sumDeltas bool

	// per-batch counters, recorded after the lock is released
	in, lateMoved, lateDropped, invalid, inputFull, overflowed, boundsRejected int64
	// per resource memo
	resKey  window.Key
	fullKey window.Key
	resDone bool
	fullOK  bool
}

// ruleFor returns the first rule whose metrics match name (nil: none),
// memoised per name.
func (p *aggregationProcessor) ruleFor(name string) *rule {
	if i, ok := p.nameCache[name]; ok {
		if i < 0 {
			return nil
		}
		return p.rules[i]
	}
	idx := -1
	for i, r := range p.rules {
		if r.match.MatchString(name) {
			idx = i
			break
		}
	}
	if len(p.nameCache) >= nameCacheSize {
		clear(p.nameCache)
	}
	p.nameCache[name] = idx
	if idx < 0 {
		return nil
	}
	return p.rules[idx]
}
