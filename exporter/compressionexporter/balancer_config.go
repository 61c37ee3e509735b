package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configoptional"
)

// Routing keys.
const (
	routingTraceID  = "trace_id"
	routingService  = "service"
	routingResource = "resource"
	routingMetric   = "metric"
	routingStream   = "stream"
)

// EndpointsConfig balances the exporter over several endpoints found by a
// resolver. Exactly one of static, file and dns is set; the endpoint of the
// grpc/http section is then left empty, and that section's other settings
// (TLS, headers, keepalive, ...) apply to every endpoint.
type EndpointsConfig struct {
	Static []string                                    `mapstructure:"static"`
	File   configoptional.Optional[FileResolverConfig] `mapstructure:"file"`
	DNS    configoptional.Optional[DNSResolverConfig]  `mapstructure:"dns"`
	// Scheme prefixes resolved host:port entries on protocol "http"
	// (entries that already start with http:// or https:// keep theirs).
	Scheme string `mapstructure:"scheme"`

	// RoutingKey: trace_id (default), service, resource, metric, stream.
	RoutingKey     string               `mapstructure:"routing_key"`
	CircuitBreaker CircuitBreakerConfig `mapstructure:"circuit_breaker"`
	HealthCheck    HealthCheckConfig    `mapstructure:"health_check"`

	_ struct{}
}

// FileResolverConfig watches a YAML or JSON list of {endpoint, ready}.
type FileResolverConfig struct {
	Path         string        `mapstructure:"path"`
	PollInterval time.Duration `mapstructure:"poll_interval"`
	Debounce     time.Duration `mapstructure:"debounce"`
}

// DNSResolverConfig resolves A/AAAA (joined with port) or SRV records.
type DNSResolverConfig struct {
	Hostname   string        `mapstructure:"hostname"`
	Port       int           `mapstructure:"port"`
	RecordType string        `mapstructure:"record_type"`
	Interval   time.Duration `mapstructure:"interval"`
	Timeout    time.Duration `mapstructure:"timeout"`
}

// CircuitBreakerConfig are the per-endpoint breaker thresholds.
type CircuitBreakerConfig struct {
	FailureThreshold int           `mapstructure:"failure_threshold"`
	CoolDown         time.Duration `mapstructure:"cool_down"`
	HalfOpenProbes   int           `mapstructure:"half_open_probes"`
}

// HealthCheckConfig configures active health checks per endpoint.
type HealthCheckConfig struct {
	Enabled  bool          `mapstructure:"enabled"`
	Interval time.Duration `mapstructure:"interval"`
	Timeout  time.Duration `mapstructure:"timeout"`
	// Path is the HTTP path probed with GET on protocol "http".
	Path string `mapstructure:"path"`
}

func defaultEndpointsConfig() EndpointsConfig {
	return EndpointsConfig{
		Scheme:         "http",
		RoutingKey:     routingTraceID,
		CircuitBreaker: CircuitBreakerConfig{FailureThreshold: 5, CoolDown: 10 * time.Second, HalfOpenProbes: 1},
		HealthCheck:    HealthCheckConfig{Interval: 10 * time.Second, Timeout: 2 * time.Second, Path: "/"},
		File:           configoptional.Default(FileResolverConfig{PollInterval: time.Second, Debounce: 2 * time.Second}),
		DNS:            configoptional.Default(DNSResolverConfig{RecordType: "A", Interval: 5 * time.Second, Timeout: time.Second}),
	}
}

// balanced reports whether the exporter balances over resolved endpoints.
func (cfg *Config) balanced() bool {
	e := cfg.Endpoints
	return len(e.Static) > 0 || e.File.HasValue() || e.DNS.HasValue()
}

func (e *EndpointsConfig) validate(protocol string) []error {
	var errs []error
	n := 0
	if len(e.Static) > 0 {
		n++
	}
	if e.File.HasValue() {
		n++
	}
	if e.DNS.HasValue() {
		n++
	}
	if n > 1 {
		errs = append(errs, errors.New("endpoints: set only one of static, file and dns"))
	}
	for i, s := range e.Static {
		if s == "" {
			errs = append(errs, fmt.Errorf("endpoints.static[%d]: must not be empty", i))
		} else if protocol == protocolGRPC && strings.Contains(s, "://") {
			errs = append(errs, fmt.Errorf("endpoints.static[%d]: must be host:port on protocol \"grpc\" (got %q)", i, s))
		}
	}
	if f := e.File.Get(); f != nil {
		if f.Path == "" {
			errs = append(errs, errors.New("endpoints.file.path: must not be empty"))
		}
		if f.PollInterval <= 0 {
			errs = append(errs, fmt.Errorf("endpoints.file.poll_interval: must be positive (got %s)", f.PollInterval))
		}
		if f.Debounce < 0 {
			errs = append(errs, fmt.Errorf("endpoints.file.debounce: must not be negative (got %s)", f.Debounce))
		}
	}
	if d := e.DNS.Get(); d != nil {
		if d.Hostname == "" {
			errs = append(errs, errors.New("endpoints.dns.hostname: must not be empty"))
		}
		switch d.RecordType {
		case "A":
			if d.Port < 1 || d.Port > 65535 {
				errs = append(errs, fmt.Errorf("endpoints.dns.port: must be in [1, 65535] for A records (got %d)", d.Port))
			}
		case "SRV":
		default:
			errs = append(errs, fmt.Errorf(`endpoints.dns.record_type: must be "A" or "SRV" (got %q)`, d.RecordType))
		}
		if d.Interval <= 0 {
			errs = append(errs, fmt.Errorf("endpoints.dns.interval: must be positive (got %s)", d.Interval))
		}
		if d.Timeout <= 0 {
			errs = append(errs, fmt.Errorf("endpoints.dns.timeout: must be positive (got %s)", d.Timeout))
		}
	}
	if e.Scheme != "http" && e.Scheme != "https" {
		errs = append(errs, fmt.Errorf(`endpoints.scheme: must be "http" or "https" (got %q)`, e.Scheme))
	}
	switch e.RoutingKey {
	case routingTraceID, routingService, routingResource, routingMetric, routingStream:
	default:
		errs = append(errs, fmt.Errorf(`endpoints.routing_key: must be one of trace_id, service, resource, metric, stream (got %q)`, e.RoutingKey))
	}
	cb := e.CircuitBreaker
	if cb.FailureThreshold < 1 {
		errs = append(errs, fmt.Errorf("endpoints.circuit_breaker.failure_threshold: must be at least 1 (got %d)", cb.FailureThreshold))
	}
	if cb.CoolDown <= 0 {
		errs = append(errs, fmt.Errorf("endpoints.circuit_breaker.cool_down: must be positive (got %s)", cb.CoolDown))
	}
	if cb.HalfOpenProbes < 1 {
		errs = append(errs, fmt.Errorf("endpoints.circuit_breaker.half_open_probes: must be at least 1 (got %d)", cb.HalfOpenProbes))
	}
	if hc := e.HealthCheck; hc.Enabled {
		if hc.Interval <= 0 {
			errs = append(errs, fmt.Errorf("endpoints.health_check.interval: must be positive (got %s)", hc.Interval))
		}
		if hc.Timeout <= 0 {
			errs = append(errs, fmt.Errorf("endpoints.health_check.timeout: must be positive (got %s)", hc.Timeout))
		}
		if !strings.HasPrefix(hc.Path, "/") {
			errs = append(errs, fmt.Errorf(`endpoints.health_check.path: must start with "/" (got %q)`, hc.Path))
		}
	}
	return errs
}
