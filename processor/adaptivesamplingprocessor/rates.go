package adaptivesamplingprocessor // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/extension/samplingstateextension"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"
)

// busiestKeys is how many keys per rule report their probability.
const busiestKeys = 10

// rates holds what the traces and logs processors share: compiled rules, the
// adjustment loop, the shared state and the telemetry.
type rates struct {
	cfg    *Config
	logger *zap.Logger
	signal string
	rules  []*rule

	telemetry  *metadata.TelemetryBuilder
	unmatched  atomic.Int64
	sharedErrs atomic.Int64
	store      samplingstateextension.Store
	shed       *shedding // nil: load shedding off
	// sharedPrefix starts the shared-state keys of this processor instance
	// and signal ("<component id>\x00<signal>\x00"), then come the rule name,
	// "\x00" and the key: instances and signals sharing one store never mix.
	sharedPrefix string
	// fleet is this replica's view of the replicas sharing the store.
	fleet fleet
	// guard, when the store implements it, is where the replicas agree on
	// the brake of adaptive_throughput rules within an interval (brake.go);
	// the tables' own budget guards are then off. brakeDown is owned by
	// brakeStep; adjustedInterval is the interval of the last adjustment.
	guard            samplingstateextension.Guard
	brakeErrs        atomic.Int64
	brakeDown        bool
	adjustedInterval atomic.Int64

	// extra reports mode-specific observations at collection time.
	extra func(metric.Observer, *metadata.TelemetryBuilder)

	now func() time.Time
	// manual disables the adjustment and decision loops: tests drive adjust
	// and flushReady themselves on a fake clock.
	manual   bool
	stop     chan struct{}
	loopDone sync.WaitGroup
	adjustMu sync.Mutex
}

func newRates(set component.TelemetrySettings, id component.ID, cfg *Config, signal string, withConditions bool) (*rates, error) {
	rules, err := compileRules(cfg, set, withConditions)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	e := &rates{
		cfg: cfg, logger: set.Logger, signal: signal, rules: rules, telemetry: tb, now: time.Now,
		sharedPrefix: id.String() + "\x00" + signal + "\x00",
		fleet:        fleet{replica: newReplicaID()},
	}
	e.shed = newShedding(cfg, set.Logger, rules)
	if err := tb.RegisterCallback(e.observe); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *rates) adaptive() bool {
	for _, r := range e.rules {
		if r.table != nil {
			return true
		}
	}
	return false
}

// start resolves the shared state and starts the adjustment loop.
func (e *rates) start(host component.Host) error {
	if e.cfg.SharedState != nil {
		ext, ok := host.GetExtensions()[*e.cfg.SharedState]
		if !ok {
			return fmt.Errorf("shared_state: extension %q not found", e.cfg.SharedState.String())
		}
		store, ok := ext.(samplingstateextension.Store)
		if !ok {
			return fmt.Errorf("shared_state: extension %q is not a sampling_state extension", e.cfg.SharedState.String())
		}
		e.store = store
		e.fleet.members, _ = ext.(samplingstateextension.Membership)
		e.guard, _ = ext.(samplingstateextension.Guard)
	}
	if err := e.shed.start(host, e.manual); err != nil {
		return err
	}
	for _, r := range e.rules {
		if r.table != nil && e.guard == nil {
			r.table.StartGuard(e.clock, e.cfg.AdjustmentInterval)
		}
	}
	if !e.adaptive() || e.manual {
		return nil
	}
	e.stop = make(chan struct{})
	if e.guard != nil {
		e.loopDone.Add(1)
		go e.brakeLoop()
	}
	e.loopDone.Add(1)
	go func() {
		defer e.loopDone.Done()
		if e.store != nil {
			e.joinFleet(context.Background())
		}
		every(e.stop, e.untilAdjustment, e.adjust)
	}()
	return nil
}

// untilAdjustment is the wait before the next adjustment. With a shared state,
// adjustments happen in the middle of the wall-clock intervals that number the
// shared counts (Unix time / adjustment_interval), so every replica adds its
// counts exactly once per interval number whatever its start time, and clock
// skew smaller than half an interval cannot make it skip or repeat one.
func (e *rates) untilAdjustment(now time.Time) time.Duration {
	iv := e.cfg.AdjustmentInterval
	if e.store == nil {
		return iv
	}
	wait := iv/2 - time.Duration(now.UnixNano()%int64(iv))
	if wait <= iv/10 {
		wait += iv
	}
	return wait
}

// clock reads e.now at call time (tests replace e.now after construction).
func (e *rates) clock() time.Time { return e.now() }

func (e *rates) shutdown() {
	if e.stop != nil {
		close(e.stop)
		e.loopDone.Wait()
		e.stop = nil
	}
	if e.store != nil {
		e.leaveFleet()
	}
	e.shed.shutdown()
	e.telemetry.Shutdown()
}

// adjust ends the current interval of every adaptive rule and recomputes its
// rates. With a shared state, each replica adds its counts of the interval that
// just ended and adjusts from the fleet-wide counts of the interval before,
// which every replica has finished adding (see adjustShared): replicas get the
// same rates, hence the same decisions.
func (e *rates) adjust(ctx context.Context) {
	e.adjustMu.Lock()
	defer e.adjustMu.Unlock()
	counts := make(map[*rule]map[string]int64, len(e.rules))
	shared := map[string]int64{}
	// localBefore is each rule's local total of the interval before the one
	// that just ended: the interval whose fleet-wide counts a shared state
	// returns, hence this replica's share of the budget.
	localBefore := make(map[*rule]int64, len(e.rules))
	for _, r := range e.rules {
		if r.table == nil {
			continue
		}
		c := r.table.TakeCounts()
		counts[r] = c
		localBefore[r] = r.lastLocal
		r.lastLocal = 0
		for k, v := range c {
			shared[e.sharedPrefix+r.name+"\x00"+k] = v
			r.lastLocal += v
		}
	}
	if len(counts) == 0 {
		return
	}
	if e.store != nil {
		e.adjustShared(ctx, counts, shared, localBefore)
		g, _ := e.brakeInstant(e.now())
		e.adjustedInterval.Store(g)
		return
	}
	seconds := e.cfg.AdjustmentInterval.Seconds()
	for r, c := range counts {
		if err := r.table.Adjust(c, seconds); err != nil {
			e.logger.Error("rate adjustment failed", zap.String("rule", r.name), zap.Error(err))
		}
	}
}

func splitShared(merged map[string]int64, rulePrefix string) map[string]int64 {
	prefix := rulePrefix + "\x00"
	out := map[string]int64{}
	for k, v := range merged {
		if key, ok := strings.CutPrefix(k, prefix); ok {
			out[key] = v
		}
	}
	return out
}

var (
	outcomeSampled    = attribute.String("outcome", "sampled")
	outcomeNotSampled = attribute.String("outcome", "not_sampled")
)

func (e *rates) observe(_ context.Context, o metric.Observer) error {
	tb := e.telemetry
	sig := attribute.String("signal", e.signal)
	for _, r := range e.rules {
		name := attribute.String("rule", r.name)
		o.ObserveInt64(tb.ProcessorAdaptiveSamplingDecisions, r.sampled.Load(), metric.WithAttributes(name, outcomeSampled, sig))
		o.ObserveInt64(tb.ProcessorAdaptiveSamplingDecisions, r.notSampled.Load(), metric.WithAttributes(name, outcomeNotSampled, sig))
		if r.table != nil {
			if r.table.Guarded() {
				o.ObserveInt64(tb.ProcessorAdaptiveSamplingBudgetGuard, r.table.GuardActivations()+r.brakeChanges.Load(), metric.WithAttributes(name, sig))
			}
			for _, k := range r.table.Busiest(busiestKeys) {
				o.ObserveFloat64(tb.ProcessorAdaptiveSamplingKeyProbability, k.Probability,
					metric.WithAttributes(name, attribute.String("key", k.Key), sig))
			}
		}
	}
	if n := e.unmatched.Load(); n > 0 {
		o.ObserveInt64(tb.ProcessorAdaptiveSamplingDecisions, n,
			metric.WithAttributes(attribute.String("rule", unmatchedRule), outcomeSampled, sig))
	}
	if e.store != nil {
		o.ObserveInt64(tb.ProcessorAdaptiveSamplingSharedStateErrors, e.sharedErrs.Load())
		e.observeFleet(o)
	}
	e.shed.observe(o, tb, sig)
	if e.extra != nil {
		e.extra(o, tb)
	}
	return nil
}
