package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

import "strconv"

// Reasons reported with the current choice (low cardinality, used as metric attributes).
const (
	ReasonStatic       = "static"
	ReasonBySignal     = "by_signal"
	ReasonBelowMinSize = "below_min_size"
	ReasonInitial      = "adaptive_initial"
	ReasonLowestCost   = "adaptive_lowest_cost"
	ReasonFallback     = "fallback"
)

// Signals.
const (
	Traces  = "traces"
	Metrics = "metrics"
	Logs    = "logs"
)

// Signals lists every signal.
var Signals = []string{Traces, Metrics, Logs}

// Choice is a codec, a level and why they were chosen.
type Choice struct {
	Codec  string
	Level  int
	Reason string
}

// Key names the codec and level, e.g. "zstd:3".
func (c Choice) Key() string { return c.Codec + ":" + strconv.Itoa(c.Level) }

// Policy chooses the compression for one request of size bytes.
type Policy interface {
	Choose(signal string, size int) Choice
}
