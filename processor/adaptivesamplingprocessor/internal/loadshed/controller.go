package loadshed // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/loadshed"

import "time"

// Reasons of a change of the factor.
const (
	ReasonLatency      = "latency"
	ReasonQueue        = "queue"
	ReasonErrors       = "errors"
	ReasonOpenBreakers = "open_breakers"
	ReasonRecovered    = "recovered"
)

// Signal is the backend health the controller reads at each evaluation.
type Signal struct {
	Latency time.Duration
	// ErrorRate is the share of failed exports, in [0, 1].
	ErrorRate float64
	// QueueFill is the sending queue's fill ratio, in [0, 1].
	QueueFill float64
	// OpenBreakerShare is the share of endpoints with an open breaker, in [0, 1].
	OpenBreakerShare float64
}

// Settings are the thresholds and steps of a Controller.
type Settings struct {
	LatencyThreshold   time.Duration
	ErrorRateThreshold float64
	QueueThreshold     float64
	// OpenBreakerThreshold: a share of endpoints with an open circuit
	// breaker at or above it is stress.
	OpenBreakerThreshold float64
	DecreaseOnLatency    float64 // applied on high latency or a full queue
	DecreaseOnErrors     float64 // applied on a high error rate or open breakers
	Increase             float64
	MinFactor            float64
	// Hysteresis is the share of each threshold by which a signal must fall
	// below it before the factor rises again: between (1-Hysteresis)*threshold
	// and the threshold, the factor holds.
	Hysteresis float64
}

// Controller turns one health signal per evaluation interval into a sampling
// factor in [MinFactor, 1]. It is deterministic: replicas that read the same
// signals at the same interval boundaries hold the same factor. Not safe for
// concurrent use.
type Controller struct {
	s      Settings
	factor float64
}

// NewController returns a controller at factor 1.
func NewController(s Settings) *Controller {
	return &Controller{s: s, factor: 1}
}

// Factor is the current factor.
func (c *Controller) Factor() float64 { return c.factor }

// Evaluate applies one interval's signal and returns the new factor and the
// reason of the change ("" when the factor did not change).
//
// Stressed (any signal at or above its threshold, a threshold of 0 disabling
// its signal): the factor is multiplied by the strongest applicable decrease
// (latency and queue fill by DecreaseOnLatency, errors and open breakers by
// DecreaseOnErrors; on a tie the first of latency, queue, errors, open
// breakers names the reason), never below MinFactor. Healthy (every signal below (1-Hysteresis) times its threshold):
// the factor is multiplied by Increase, up to exactly 1. Otherwise it holds.
func (c *Controller) Evaluate(sig Signal) (float64, string) {
	s := c.s
	mult, reason := 1.0, ""
	stress := func(m float64, r string) {
		if m < mult {
			mult, reason = m, r
		}
	}
	if s.LatencyThreshold > 0 && sig.Latency >= s.LatencyThreshold {
		stress(s.DecreaseOnLatency, ReasonLatency)
	}
	if s.QueueThreshold > 0 && sig.QueueFill >= s.QueueThreshold {
		stress(s.DecreaseOnLatency, ReasonQueue)
	}
	if s.ErrorRateThreshold > 0 && sig.ErrorRate >= s.ErrorRateThreshold {
		stress(s.DecreaseOnErrors, ReasonErrors)
	}
	if s.OpenBreakerThreshold > 0 && sig.OpenBreakerShare >= s.OpenBreakerThreshold {
		stress(s.DecreaseOnErrors, ReasonOpenBreakers)
	}
	if reason != "" {
		next := max(c.factor*mult, s.MinFactor)
		if next == c.factor {
			return c.factor, ""
		}
		c.factor = next
		return c.factor, reason
	}
	if c.factor >= 1 || !c.healthy(sig) {
		return c.factor, ""
	}
	c.factor = min(c.factor*s.Increase, 1)
	return c.factor, ReasonRecovered
}

func (c *Controller) healthy(sig Signal) bool {
	s := c.s
	keep := 1 - s.Hysteresis
	below := func(v, threshold float64) bool { return threshold <= 0 || v < keep*threshold }
	return below(float64(sig.Latency), float64(s.LatencyThreshold)) &&
		below(sig.QueueFill, s.QueueThreshold) &&
		below(sig.ErrorRate, s.ErrorRateThreshold) &&
		below(sig.OpenBreakerShare, s.OpenBreakerThreshold)
}
