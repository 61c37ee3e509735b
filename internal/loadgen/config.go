package loadgen

import (
	"math"
	"time"
)

// Config describes the data a Generator builds. Out-of-range values are
// corrected by New (see each field), never rejected.
type Config struct {
	// Seed selects the data: the same Seed gives the same items.
	Seed int64
	// Services is the number of distinct service.name values, taken in order
	// from checkout, cart, payment, frontend, inventory, shipping, auth,
	// search, then service-9, service-10, ... Values below 1 mean 1, above
	// 1,000 mean 1,000.
	Services int
	// SpansPerTrace is the exact number of spans of every trace: a root
	// SERVER span and children (HTTP CLIENT spans each followed by the SERVER
	// span of the called service, and DB CLIENT spans). Values below 1 mean
	// 1, above 10,000 mean 10,000.
	SpansPerTrace int
	// AttrCardinality is the number of distinct entity IDs that appear in
	// url.path and url.full (and in user.id and user.email when PII is set).
	// Values below 1 mean 1.
	AttrCardinality int
	// PII adds user.email, user.id and client.address to root spans (except
	// those of health checks) and to log records, and puts the e-mail and IP
	// addresses in some INFO log bodies.
	PII bool
	// ErrorShare is the share of traces that hold an error: one span with
	// status Error and an "exception" event; the root SERVER span then also
	// has status Error and http.response.status_code 500.
	ErrorShare float64
	// SlowShare is the share of traces whose root lasts 2 s to 10 s (others
	// last 2 ms to 200 ms).
	SlowShare float64
	// HealthCheckShare is the share of traces that are "GET /healthz" health
	// checks: the root SERVER span has http.route "/healthz" and its children
	// are "SELECT 1" DB pings.
	//
	// The three shares are exclusive categories drawn per trace, in the order
	// health check, error, slow; each is clamped to [0, 1] and when they add
	// up to more than 1 the later ones are cut short. The category of
	// trace i comes from a low-discrepancy sequence, so any run of
	// consecutive traces holds each category at its share to within a few
	// traces (10,000 traces at ErrorShare 0.1 hold 1,000 ± 3 error traces).
	HealthCheckShare float64
	// MetricSeries is the number of series (attribute sets) of each of the
	// four metrics. Values below 1 mean 1, above 1,000,000 mean 1,000,000.
	MetricSeries int
	// WideAttributes adds that many attributes to every span, with values
	// drawn fresh for each span: URLs, e-mail and IP addresses, postal
	// addresses, long strings (256 to 1,023 bytes of words), IDs and numbers (see
	// wideKeys). 0, the default, adds none. Values above 64 mean 64.
	WideAttributes int
	// Start is the time of the first item; timestamps advance from it by a
	// fixed step per item (traces 1 ms, log records 1 ms, metric rounds
	// 10 s). The zero value means DefaultStart, so data is reproducible.
	Start time.Time
}

// DefaultStart is the Start used when Config.Start is zero.
var DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// DefaultConfig is a realistic mix: 8 services, 10 spans per trace, 1,000
// entity IDs, 5% errors, 2% slow traces, 5% health checks, 10 series per
// metric.
func DefaultConfig() Config {
	return Config{
		Seed:             1,
		Services:         8,
		SpansPerTrace:    10,
		AttrCardinality:  1000,
		ErrorShare:       0.05,
		SlowShare:        0.02,
		HealthCheckShare: 0.05,
		MetricSeries:     10,
	}
}

func (c Config) normalized() Config {
	c.Services = min(max(c.Services, 1), 1000)
	c.SpansPerTrace = min(max(c.SpansPerTrace, 1), 10_000)
	c.AttrCardinality = max(c.AttrCardinality, 1)
	c.MetricSeries = min(max(c.MetricSeries, 1), 1_000_000)
	c.WideAttributes = min(max(c.WideAttributes, 0), maxWideAttributes)
	c.HealthCheckShare = clampShare(c.HealthCheckShare)
	c.ErrorShare = clampShare(c.ErrorShare)
	c.SlowShare = clampShare(c.SlowShare)
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	return c
}

func clampShare(v float64) float64 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return min(v, 1)
}
