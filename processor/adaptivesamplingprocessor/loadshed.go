package adaptivesamplingprocessor // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/extension/samplingstateextension"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/loadshed"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"
	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/sampler"
)

// LoadSheddingConfig lowers the rate of every adaptive and probabilistic rule
// by a factor while the backend struggles, as the exporters report it through
// a sampling_state extension.
type LoadSheddingConfig struct {
	// SamplingState is the sampling_state extension the exporters publish
	// their health to.
	SamplingState component.ID `mapstructure:"sampling_state"`
	// LatencyThreshold: an export latency (moving average) at or above it is stress; 0 disables.
	LatencyThreshold time.Duration `mapstructure:"latency_threshold"`
	// ErrorRateThreshold: a share of failed exports at or above it is stress; 0 disables.
	ErrorRateThreshold float64 `mapstructure:"error_rate_threshold"`
	// OpenBreakerThreshold: a share of an exporter's endpoints whose circuit
	// breaker is open at or above it is stress; 0 disables.
	OpenBreakerThreshold float64 `mapstructure:"open_breaker_threshold"`
	// QueueThreshold: a sending-queue fill ratio at or above it is stress; 0 disables.
	QueueThreshold float64 `mapstructure:"queue_threshold"`
	// DecreaseOnLatency multiplies the factor on high latency or a full queue.
	DecreaseOnLatency float64 `mapstructure:"decrease_on_latency"`
	// DecreaseOnErrors multiplies the factor on a high error rate or open breakers.
	DecreaseOnErrors float64 `mapstructure:"decrease_on_errors"`
	// Increase multiplies the factor when every signal is healthy, up to 1.
	Increase float64 `mapstructure:"increase"`
	// MinFactor is the floor of the factor.
	MinFactor float64 `mapstructure:"min_factor"`
	// EvaluationInterval is the period of the wall-clock aligned evaluations.
	EvaluationInterval time.Duration `mapstructure:"evaluation_interval"`
	// Hysteresis is the share of each threshold by which a signal must fall
	// below it before the factor rises.
	Hysteresis float64 `mapstructure:"hysteresis"`
	// Timeout bounds each read of the extension.
	Timeout time.Duration `mapstructure:"timeout"`
	// IncludeAlwaysSample applies the factor to always_sample rules too.
	IncludeAlwaysSample bool `mapstructure:"include_always_sample"`
}

func defaultLoadShedding() LoadSheddingConfig {
	return LoadSheddingConfig{
		SamplingState:        component.MustNewID("sampling_state"),
		LatencyThreshold:     2 * time.Second,
		ErrorRateThreshold:   0.1,
		QueueThreshold:       0.5,
		OpenBreakerThreshold: 0.5,
		DecreaseOnLatency:    0.8,
		DecreaseOnErrors:     0.9,
		Increase:             1.1,
		MinFactor:            0.05,
		EvaluationInterval:   10 * time.Second,
		Hysteresis:           0.2,
		Timeout:              time.Second,
	}
}

func (c *LoadSheddingConfig) validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf("load_shedding."+format, args...)) }
	if c.LatencyThreshold < 0 {
		add("latency_threshold: must not be negative, got %s", c.LatencyThreshold)
	}
	if !(c.ErrorRateThreshold >= 0 && c.ErrorRateThreshold <= 1) {
		add("error_rate_threshold: must be in [0, 1], got %v", c.ErrorRateThreshold)
	}
	if !(c.QueueThreshold >= 0 && c.QueueThreshold <= 1) {
		add("queue_threshold: must be in [0, 1], got %v", c.QueueThreshold)
	}
	if !(c.OpenBreakerThreshold >= 0 && c.OpenBreakerThreshold <= 1) {
		add("open_breaker_threshold: must be in [0, 1], got %v", c.OpenBreakerThreshold)
	}
	if c.LatencyThreshold == 0 && c.ErrorRateThreshold == 0 && c.QueueThreshold == 0 && c.OpenBreakerThreshold == 0 {
		add("latency_threshold, error_rate_threshold, queue_threshold, open_breaker_threshold: at least one must be set, all are 0")
	}
	if !(c.DecreaseOnLatency > 0 && c.DecreaseOnLatency < 1) {
		add("decrease_on_latency: must be in (0, 1), got %v", c.DecreaseOnLatency)
	}
	if !(c.DecreaseOnErrors > 0 && c.DecreaseOnErrors < 1) {
		add("decrease_on_errors: must be in (0, 1), got %v", c.DecreaseOnErrors)
	}
	if !(c.Increase > 1) || math.IsInf(c.Increase, 0) {
		add("increase: must be greater than 1, got %v", c.Increase)
	}
	if !(c.MinFactor > 0 && c.MinFactor <= 1) {
		add("min_factor: must be in (0, 1], got %v", c.MinFactor)
	}
	if c.EvaluationInterval <= 0 {
		add("evaluation_interval: must be positive, got %s", c.EvaluationInterval)
	}
	if !(c.Hysteresis >= 0 && c.Hysteresis < 1) {
		add("hysteresis: must be in [0, 1), got %v", c.Hysteresis)
	}
	if c.Timeout <= 0 {
		add("timeout: must be positive, got %s", c.Timeout)
	}
	return errs
}

// shedReasons are the reasons of factor changes, in metric order.
var shedReasons = []string{loadshed.ReasonLatency, loadshed.ReasonQueue, loadshed.ReasonErrors, loadshed.ReasonOpenBreakers, loadshed.ReasonRecovered}

// maxScaledRates bounds the cache of scaled rates; beyond it, rates are
// scaled on every call (allocating) until the factor changes again.
const maxScaledRates = 1 << 14

// shedding applies the load-shedding factor to the rules' rates and runs the
// evaluations.
type shedding struct {
	cfg       LoadSheddingConfig
	logger    *zap.Logger
	precision int
	ctrl      *loadshed.Controller // owned by evaluate
	health    samplingstateextension.Health

	factor  atomic.Uint64 // math.Float64bits
	cache   atomic.Pointer[scaledRates]
	changes [5]atomic.Int64 // by shedReasons index
	// readFailing is whether the last read of the health failed (owned by evaluate).
	readFailing bool

	stop     chan struct{}
	loopDone sync.WaitGroup
}

// scaledRates caches the scaled rate of each rate for one factor.
type scaledRates struct {
	factor float64
	rates  sync.Map // *sampler.Rate -> *sampler.Rate
	size   atomic.Int64
}

// newShedding returns nil when load shedding is off, and otherwise attaches
// itself to every rule it applies to.
func newShedding(cfg *Config, logger *zap.Logger, rules []*rule) *shedding {
	if !cfg.LoadShedding.HasValue() {
		return nil
	}
	lc := *cfg.LoadShedding.Get()
	s := &shedding{
		cfg: lc, logger: logger, precision: cfg.SamplingPrecision,
		ctrl: loadshed.NewController(loadshed.Settings{
			LatencyThreshold:     lc.LatencyThreshold,
			ErrorRateThreshold:   lc.ErrorRateThreshold,
			QueueThreshold:       lc.QueueThreshold,
			OpenBreakerThreshold: lc.OpenBreakerThreshold,
			DecreaseOnLatency:    lc.DecreaseOnLatency,
			DecreaseOnErrors:     lc.DecreaseOnErrors,
			Increase:             lc.Increase,
			MinFactor:            lc.MinFactor,
			Hysteresis:           lc.Hysteresis,
		}),
	}
	s.setFactor(1)
	for i, r := range rules {
		if cfg.Rules[i].Type != SamplerAlwaysSample || lc.IncludeAlwaysSample {
			r.shed = s
		}
	}
	return s
}

func (s *shedding) currentFactor() float64 { return math.Float64frombits(s.factor.Load()) }

func (s *shedding) setFactor(f float64) {
	s.cache.Store(&scaledRates{factor: f})
	s.factor.Store(math.Float64bits(f))
}

// scale returns rate with its probability multiplied by the current factor,
// its threshold and tracestate encoding the scaled probability, so that kept
// items carry their true weight.
func (s *shedding) scale(rate *sampler.Rate) *sampler.Rate {
	c := s.cache.Load()
	if c.factor == 1 {
		return rate
	}
	if v, ok := c.rates.Load(rate); ok {
		return v.(*sampler.Rate)
	}
	scaled, err := sampler.NewRate(rate.Probability*c.factor, s.precision)
	if err != nil {
		return rate // unreachable: the product is in [0, 1]
	}
	if c.size.Load() < maxScaledRates {
		if v, loaded := c.rates.LoadOrStore(rate, scaled); loaded {
			return v.(*sampler.Rate)
		}
		c.size.Add(1)
	}
	return scaled
}

// start resolves the extension and starts the evaluations.
// With manual set, there is no loop: tests call evaluate themselves.
func (s *shedding) start(host component.Host, manual bool) error {
	if s == nil {
		return nil
	}
	id := s.cfg.SamplingState
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return fmt.Errorf("load_shedding.sampling_state: extension %q not found", id.String())
	}
	h, ok := ext.(samplingstateextension.Health)
	if !ok {
		return fmt.Errorf("load_shedding.sampling_state: extension %q does not share backend health", id.String())
	}
	s.health = h
	if manual {
		return nil
	}
	s.stop = make(chan struct{})
	s.loopDone.Add(1)
	go func() {
		defer s.loopDone.Done()
		every(s.stop, s.untilEvaluation, s.evaluate)
	}()
	return nil
}

// untilEvaluation is the wait until the next wall-clock boundary of
// evaluation_interval (Unix time divisible by it): replicas evaluate at the
// same instants, read the same combined health and so hold the same factor.
func (s *shedding) untilEvaluation(now time.Time) time.Duration {
	iv := int64(s.cfg.EvaluationInterval)
	return time.Duration(iv - now.UnixNano()%iv)
}

func (s *shedding) shutdown() {
	if s == nil || s.stop == nil {
		return
	}
	close(s.stop)
	s.loopDone.Wait()
	s.stop = nil
}

// evaluate reads the combined health and applies one controller step. When
// the read fails, the factor holds. When no exporter has published (none
// configured, or none alive), the backend counts as healthy.
func (s *shedding) evaluate(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	sig, _, err := s.health.CombinedHealth(ctx)
	if err != nil {
		if !s.readFailing {
			s.logger.Warn("Load shedding cannot read backend health; the sampling factor holds", zap.Error(err))
		}
		s.readFailing = true
		return
	}
	if s.readFailing {
		s.logger.Info("Load shedding reads backend health again")
		s.readFailing = false
	}
	before := s.ctrl.Factor()
	f, reason := s.ctrl.Evaluate(loadshed.Signal{
		Latency: sig.LatencyEWMA, ErrorRate: sig.ErrorRate, QueueFill: sig.QueueFill, OpenBreakerShare: sig.OpenBreakerShare,
	})
	if reason == "" {
		return
	}
	s.setFactor(f)
	for i, r := range shedReasons {
		if r == reason {
			s.changes[i].Add(1)
		}
	}
	// Logs only on state changes: entering and leaving load shedding, and at the floor.
	fields := []zap.Field{zap.Float64("factor", f), zap.String("reason", reason),
		zap.Duration("latency_ewma", sig.LatencyEWMA), zap.Float64("error_rate", sig.ErrorRate),
		zap.Float64("queue_fill", sig.QueueFill), zap.Float64("open_breaker_share", sig.OpenBreakerShare)}
	switch {
	case before == 1:
		s.logger.Warn("Backend under stress: lowering sampling rates", fields...)
	case f == 1:
		s.logger.Info("Backend healthy again: sampling rates restored", fields...)
	case f == s.cfg.MinFactor:
		s.logger.Warn("Load shedding reached min_factor", fields...)
	}
}

func (s *shedding) observe(o metric.Observer, tb *metadata.TelemetryBuilder, sig attribute.KeyValue) {
	if s == nil {
		return
	}
	o.ObserveFloat64(tb.ProcessorAdaptiveSamplingLoadSheddingFactor, s.currentFactor(), metric.WithAttributes(sig))
	for i, r := range shedReasons {
		o.ObserveInt64(tb.ProcessorAdaptiveSamplingLoadSheddingChanges, s.changes[i].Load(),
			metric.WithAttributes(attribute.String("reason", r), sig))
	}
}
