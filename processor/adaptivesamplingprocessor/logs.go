package adaptivesamplingprocessor // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"

import (
	"context"
	"fmt"
	"math/rand/v2"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/threshold"
)

// thresholdAttribute receives the th value of kept log records (log records have no tracestate).
const thresholdAttribute = "sampling.threshold"

// logsProcessor decides log records statelessly with one rule's sampler: a
// record with a trace ID uses the trace's randomness (the same decision as the
// trace's spans at the same rate); one without uses a random value.
type logsProcessor struct {
	*rates
	rule     *rule
	ruleAttr string
	random   func() uint64
}

func newLogsProcessor(set processor.Settings, cfg *Config, next consumer.Logs) (processor.Logs, error) {
	e, err := newRates(set.TelemetrySettings, set.ID, cfg, "logs", false)
	if err != nil {
		return nil, err
	}
	p := &logsProcessor{rates: e, ruleAttr: cfg.RuleAttribute, random: rand.Uint64}
	name := cfg.LogsRule
	if name == "" {
		last := cfg.Rules[len(cfg.Rules)-1]
		if len(last.Conditions) > 0 {
			return nil, fmt.Errorf("logs_rule: must name the rule deciding log records when no rule is a catch-all")
		}
		name = last.Name
	}
	for _, r := range e.rules {
		if r.name == name {
			p.rule = r
		}
	}
	return processorhelper.NewLogs(context.Background(), set, cfg, next, p.processLogs,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithStart(func(_ context.Context, host component.Host) error { return e.start(host) }),
		processorhelper.WithShutdown(func(context.Context) error { e.shutdown(); return nil }),
	)
}

func (p *logsProcessor) processLogs(_ context.Context, ld plog.Logs) (plog.Logs, error) {
	var buf [keyBufSize]byte
	p.applyBrakes(p.now())
	r := p.rule
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		res := rl.Resource().Attributes()
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				rate := r.rate(res, lr.Attributes(), buf[:0], 1)
				var rnd uint64
				if id := lr.TraceID(); !id.IsEmpty() {
					rnd = threshold.RandomnessFromTraceID(id)
				} else {
					rnd = p.random() >> (64 - threshold.NumBits)
				}
				if !rate.Threshold.ShouldSample(rnd) {
					r.notSampled.Add(1)
					return true
				}
				r.sampled.Add(1)
				r.kept(1)
				lr.Attributes().PutStr(thresholdAttribute, rate.Hex)
				if p.ruleAttr != "" {
					lr.Attributes().PutStr(p.ruleAttr, r.name)
				}
				return false
			})
			return sl.LogRecords().Len() == 0
		})
		return rl.ScopeLogs().Len() == 0
	})
	endBatch(p.rules)
	if ld.ResourceLogs().Len() == 0 {
		return ld, processorhelper.ErrSkipProcessingData
	}
	return ld, nil
}
