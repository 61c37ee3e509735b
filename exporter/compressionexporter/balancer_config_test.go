package compressionexporter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configoptional"
)

func TestEndpointsValidate(t *testing.T) {
	base := func() *Config {
		cfg := createDefaultConfig().(*Config)
		cfg.Endpoints.Static = []string{"a:4317", "b:4317"}
		return cfg
	}
	require.NoError(t, base().Validate())
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"endpoint set too", func(c *Config) { c.GRPC.Endpoint = "x:1" }, `grpc.endpoint: must be empty when endpoints are resolved (got "x:1")`},
		{"two resolvers", func(c *Config) {
			c.Endpoints.File = configoptional.Some(FileResolverConfig{Path: "/f", PollInterval: 1})
		}, "endpoints: set only one of static, file and dns"},
		{"url on grpc", func(c *Config) { c.Endpoints.Static = []string{"http://a:1"} }, `endpoints.static[0]: must be host:port on protocol "grpc" (got "http://a:1")`},
		{"routing key", func(c *Config) { c.Endpoints.RoutingKey = "span" }, `endpoints.routing_key: must be one of trace_id, service, resource, metric, stream (got "span")`},
		{"threshold", func(c *Config) { c.Endpoints.CircuitBreaker.FailureThreshold = 0 }, "endpoints.circuit_breaker.failure_threshold: must be at least 1 (got 0)"},
		{"cool down", func(c *Config) { c.Endpoints.CircuitBreaker.CoolDown = 0 }, "endpoints.circuit_breaker.cool_down: must be positive (got 0s)"},
		{"dns record type", func(c *Config) {
			c.Endpoints.Static = nil
			c.Endpoints.DNS = configoptional.Some(DNSResolverConfig{Hostname: "h", RecordType: "MX", Interval: 1, Timeout: 1})
		}, `endpoints.dns.record_type: must be "A" or "SRV" (got "MX")`},
		{"dns port", func(c *Config) {
			c.Endpoints.Static = nil
			c.Endpoints.DNS = configoptional.Some(DNSResolverConfig{Hostname: "h", RecordType: "A", Interval: 1, Timeout: 1})
		}, "endpoints.dns.port: must be in [1, 65535] for A records (got 0)"},
		{"file path", func(c *Config) {
			c.Endpoints.Static = nil
			c.Endpoints.File = configoptional.Some(FileResolverConfig{PollInterval: 1})
		}, "endpoints.file.path: must not be empty"},
		{"health path", func(c *Config) {
			c.Endpoints.HealthCheck = HealthCheckConfig{Enabled: true, Interval: 1, Timeout: 1, Path: "x"}
		}, `endpoints.health_check.path: must start with "/" (got "x")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base()
			tt.mutate(cfg)
			assert.ErrorContains(t, cfg.Validate(), tt.want)
		})
	}
	// Without endpoints the single-endpoint rules are unchanged.
	cfg := createDefaultConfig().(*Config)
	assert.ErrorContains(t, cfg.Validate(), `grpc.endpoint: must not be empty when protocol is "grpc"`)
}
