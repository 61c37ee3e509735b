package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
)

// Protocols.
const (
	protocolGRPC = "grpc"
	protocolHTTP = "http"
)

// Policies.
const (
	policyStatic   = "static"
	policyBySignal = "by_signal"
	policyAdaptive = "adaptive"
)

// Config is the configuration of the compression exporter.
type Config struct {
	TimeoutConfig exporterhelper.TimeoutConfig                             `mapstructure:",squash"`
	QueueConfig   configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	RetryConfig   configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`

	// Protocol is "grpc" (OTLP/gRPC, settings under grpc) or "http"
	// (OTLP/HTTP with protobuf bodies, settings under http).
	Protocol string                  `mapstructure:"protocol"`
	GRPC     configgrpc.ClientConfig `mapstructure:"grpc"`
	HTTP     confighttp.ClientConfig `mapstructure:"http"`
	// AcceptBrotli declares that the HTTP endpoint decodes "Content-Encoding: br".
	AcceptBrotli bool `mapstructure:"accept_brotli"`

	// Policy is static, by_signal or adaptive.
	Policy string `mapstructure:"policy"`
	// Allowed lists the codecs the exporter may send, in fallback order.
	// Empty means every codec the protocol carries.
	Allowed []string `mapstructure:"allowed"`
	// MinSize sends requests smaller than this many bytes uncompressed; 0 disables.
	MinSize  int            `mapstructure:"min_size"`
	Static   CodecConfig    `mapstructure:"static"`
	BySignal BySignalConfig `mapstructure:"by_signal"`
	Adaptive AdaptiveConfig `mapstructure:"adaptive"`
	// Endpoints balances over several endpoints (balancer_config.go).
	Endpoints EndpointsConfig `mapstructure:"endpoints"`
	// Health publishes export latency, error rate and queue fill to a
	// sampling_state extension (see health.go).
	Health HealthConfig `mapstructure:"health"`

	_ struct{}
}

// CodecConfig names a codec and its level; level 0 means the codec's default.
type CodecConfig struct {
	Codec string `mapstructure:"codec"`
	Level int    `mapstructure:"level"`
}

// BySignalConfig is one codec per signal.
type BySignalConfig struct {
	Traces  CodecConfig `mapstructure:"traces"`
	Metrics CodecConfig `mapstructure:"metrics"`
	Logs    CodecConfig `mapstructure:"logs"`
}

// AdaptiveConfig configures the adaptive policy.
type AdaptiveConfig struct {
	EvaluationInterval time.Duration `mapstructure:"evaluation_interval"`
	SampleShare        float64       `mapstructure:"sample_share"`
	// SampleMinBytes are taken from the first requests of every interval,
	// before sample_share applies, so light traffic is still judged.
	SampleMinBytes int `mapstructure:"sample_min_bytes"`
	SampleMaxBytes int `mapstructure:"sample_max_bytes"`
	// LinkBytesPerSecond fixes the link throughput of the cost model; 0 measures it.
	LinkBytesPerSecond float64 `mapstructure:"link_bytes_per_second"`
	// Initial is used until the first evaluation.
	Initial CodecConfig `mapstructure:"initial"`
	// Levels are the levels tried per codec; codecs not listed use defaultLevels.
	Levels map[string][]int `mapstructure:"levels"`
	// CPUTimeNoise is the relative error assumed of a trial's CPU time: a
	// candidate whose estimated cost exceeds the lowest by less than this
	// share of the two candidates' CPU times is tied with it, and the one
	// that spends the least CPU wins.
	CPUTimeNoise float64 `mapstructure:"cpu_time_noise"`
	// TrialCPUBudget: after a signal's first trial, its trials may spend at
	// most this share of the CPU time the send path spends compressing the
	// signal; 0 means no bound.
	TrialCPUBudget float64 `mapstructure:"trial_cpu_budget"`
	// CandidateMargin: between full trials, only candidates whose last
	// estimated cost is within this fraction of the best are tried again.
	CandidateMargin float64 `mapstructure:"candidate_margin"`
	// FullTrialEvery: every n-th evaluation tries every candidate.
	FullTrialEvery int `mapstructure:"full_trial_every"`
	// MaxBackoff: while a signal's choice stays the same, the evaluations
	// that run trials grow apart geometrically (every 2nd, 4th, ... up to
	// every MaxBackoff-th); a change of choice, link rate or request size
	// resets it. 1 runs trials at every evaluation.
	MaxBackoff int `mapstructure:"max_backoff"`
}

// defaultLevels are the levels the adaptive policy tries per codec.
var defaultLevels = map[string][]int{
	codec.None: {0},
	"gzip":     {1, 6},
	"zlib":     {1, 6},
	"deflate":  {1, 6},
	"zstd":     {1, 3, 7, 11},
	"snappy":   {1},
	"lz4":      {1},
	"br":       {4, 9},
}

// transportCodecs are the codecs each protocol carries.
var transportCodecs = map[string][]string{
	protocolGRPC: {"zstd", "gzip", "snappy", codec.None},
	protocolHTTP: {"zstd", "br", "gzip", "zlib", "deflate", "lz4", "snappy", codec.FramedSnappy, codec.None},
}

// defaultAllowed is the allowed list, in fallback order, when none is configured.
var defaultAllowed = map[string][]string{
	protocolGRPC: {"zstd", "gzip", "snappy", codec.None},
	protocolHTTP: {"zstd", "br", "gzip", "lz4", "snappy", codec.None},
}

func (cfg *Config) Validate() error {
	var errs []error
	switch cfg.Protocol {
	case protocolGRPC:
		switch {
		case cfg.balanced() && cfg.GRPC.Endpoint != "":
			errs = append(errs, fmt.Errorf("grpc.endpoint: must be empty when endpoints are resolved (got %q)", cfg.GRPC.Endpoint))
		case !cfg.balanced() && cfg.GRPC.Endpoint == "":
			errs = append(errs, errors.New(`grpc.endpoint: must not be empty when protocol is "grpc"`))
		}
		if cfg.GRPC.Compression.IsCompressed() {
			errs = append(errs, fmt.Errorf("grpc.compression: must be empty, the exporter compresses requests itself (got %q)", cfg.GRPC.Compression))
		}
	case protocolHTTP:
		if cfg.balanced() {
			if cfg.HTTP.Endpoint != "" {
				errs = append(errs, fmt.Errorf("http.endpoint: must be empty when endpoints are resolved (got %q)", cfg.HTTP.Endpoint))
			}
		} else if cfg.HTTP.Endpoint == "" {
			errs = append(errs, errors.New(`http.endpoint: must not be empty when protocol is "http"`))
		} else if !strings.HasPrefix(cfg.HTTP.Endpoint, "http://") && !strings.HasPrefix(cfg.HTTP.Endpoint, "https://") {
			errs = append(errs, fmt.Errorf("http.endpoint: must start with http:// or https:// (got %q)", cfg.HTTP.Endpoint))
		}
		if cfg.HTTP.Compression.IsCompressed() {
			errs = append(errs, fmt.Errorf("http.compression: must be empty, the exporter compresses requests itself (got %q)", cfg.HTTP.Compression))
		}
	default:
		errs = append(errs, fmt.Errorf(`protocol: must be "grpc" or "http" (got %q)`, cfg.Protocol))
		return errors.Join(errs...)
	}
	if cfg.AcceptBrotli && cfg.Protocol != protocolHTTP {
		errs = append(errs, errors.New(`accept_brotli: only applies to protocol "http"`))
	}
	errs = append(errs, cfg.Endpoints.validate(cfg.Protocol)...)
	carried := cfg.carried()
	for i, name := range cfg.Allowed {
		if _, ok := codec.Lookup(name); !ok {
			errs = append(errs, fmt.Errorf("allowed[%d]: unknown codec %q (known: %v)", i, name, codec.Names()))
			continue
		}
		if !slices.Contains(carried, codec.Canonical(name)) {
			errs = append(errs, fmt.Errorf("allowed[%d]: codec %q is not available on protocol %q%s", i, name, cfg.Protocol, brotliHint(name)))
		}
	}
	if err := cfg.Health.validate(); err != nil {
		errs = append(errs, err)
	}
	if cfg.MinSize < 0 {
		errs = append(errs, fmt.Errorf("min_size: must not be negative (got %d)", cfg.MinSize))
	}
	allowed := cfg.allowed()
	checkChoice := func(field string, c CodecConfig) {
		if err := c.validate(allowed); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
	}
	switch cfg.Policy {
	case policyStatic:
		checkChoice("static", cfg.Static)
	case policyBySignal:
		checkChoice("by_signal.traces", cfg.BySignal.Traces)
		checkChoice("by_signal.metrics", cfg.BySignal.Metrics)
		checkChoice("by_signal.logs", cfg.BySignal.Logs)
	case policyAdaptive:
		a := cfg.Adaptive
		if a.EvaluationInterval <= 0 {
			errs = append(errs, fmt.Errorf("adaptive.evaluation_interval: must be positive (got %s)", a.EvaluationInterval))
		}
		if !(a.SampleShare > 0 && a.SampleShare <= 1) {
			errs = append(errs, fmt.Errorf("adaptive.sample_share: must be in (0, 1] (got %v)", a.SampleShare))
		}
		if a.SampleMaxBytes <= 0 {
			errs = append(errs, fmt.Errorf("adaptive.sample_max_bytes: must be positive (got %d)", a.SampleMaxBytes))
		}
		if a.SampleMinBytes < 0 || a.SampleMinBytes > a.SampleMaxBytes {
			errs = append(errs, fmt.Errorf("adaptive.sample_min_bytes: must be in [0, sample_max_bytes=%d] (got %d)", a.SampleMaxBytes, a.SampleMinBytes))
		}
		if a.LinkBytesPerSecond < 0 {
			errs = append(errs, fmt.Errorf("adaptive.link_bytes_per_second: must not be negative (got %v)", a.LinkBytesPerSecond))
		}
		if !(a.CPUTimeNoise >= 0 && a.CPUTimeNoise <= 1) {
			errs = append(errs, fmt.Errorf("adaptive.cpu_time_noise: must be in [0, 1] (got %v)", a.CPUTimeNoise))
		}
		if !(a.TrialCPUBudget >= 0 && a.TrialCPUBudget <= 1) {
			errs = append(errs, fmt.Errorf("adaptive.trial_cpu_budget: must be in [0, 1] (got %v)", a.TrialCPUBudget))
		}
		if a.CandidateMargin < 0 {
			errs = append(errs, fmt.Errorf("adaptive.candidate_margin: must not be negative (got %v)", a.CandidateMargin))
		}
		if a.FullTrialEvery < 1 {
			errs = append(errs, fmt.Errorf("adaptive.full_trial_every: must be at least 1 (got %d)", a.FullTrialEvery))
		}
		if a.MaxBackoff < 1 || a.MaxBackoff > 64 {
			errs = append(errs, fmt.Errorf("adaptive.max_backoff: must be in [1, 64] (got %d)", a.MaxBackoff))
		}
		checkChoice("adaptive.initial", a.Initial)
		for name, levels := range a.Levels {
			if !slices.Contains(allowed, codec.Canonical(name)) {
				errs = append(errs, fmt.Errorf("adaptive.levels.%s: codec is not allowed (allowed: %v)", name, allowed))
				continue
			}
			if len(levels) == 0 {
				errs = append(errs, fmt.Errorf("adaptive.levels.%s: must list at least one level", name))
			}
			for i, l := range levels {
				if err := codec.CheckLevel(name, l); err != nil {
					errs = append(errs, fmt.Errorf("adaptive.levels.%s[%d]: %w", name, i, err))
				}
			}
		}
	default:
		errs = append(errs, fmt.Errorf(`policy: must be "static", "by_signal" or "adaptive" (got %q)`, cfg.Policy))
	}
	return errors.Join(errs...)
}

func brotliHint(name string) string {
	if codec.Canonical(name) == "br" {
		return " (brotli needs protocol \"http\" and accept_brotli: true)"
	}
	return ""
}

func (c CodecConfig) validate(allowed []string) error {
	if _, ok := codec.Lookup(c.Codec); !ok {
		return fmt.Errorf("codec: unknown codec %q (known: %v)", c.Codec, codec.Names())
	}
	if !slices.Contains(allowed, codec.Canonical(c.Codec)) {
		return fmt.Errorf("codec: %q is not allowed on this endpoint (allowed: %v)", c.Codec, allowed)
	}
	if c.Level != 0 {
		if err := codec.CheckLevel(c.Codec, c.Level); err != nil {
			return fmt.Errorf("level: %w", err)
		}
	}
	return nil
}

// resolved returns the codec's wire name and the effective level.
func (c CodecConfig) resolved() (string, int) {
	cd, ok := codec.Lookup(c.Codec)
	if !ok {
		return codec.None, 0
	}
	if c.Level != 0 {
		return cd.Name(), c.Level
	}
	_, _, def := cd.Levels()
	return cd.Name(), def
}

// carried returns the codecs the configured protocol and endpoint can carry.
func (cfg *Config) carried() []string {
	var out []string
	for _, c := range transportCodecs[cfg.Protocol] {
		if c == "br" && !cfg.AcceptBrotli {
			continue
		}
		out = append(out, c)
	}
	return out
}

// allowed returns the allowed codecs' wire names in order.
func (cfg *Config) allowed() []string {
	if len(cfg.Allowed) == 0 {
		var out []string
		for _, c := range defaultAllowed[cfg.Protocol] {
			if c != "br" || cfg.AcceptBrotli {
				out = append(out, c)
			}
		}
		return out
	}
	out := make([]string, 0, len(cfg.Allowed))
	for _, n := range cfg.Allowed {
		if c := codec.Canonical(n); !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// endpoint returns the configured endpoint of the selected protocol.
func (cfg *Config) endpoint() string {
	if cfg.Protocol == protocolHTTP {
		return cfg.HTTP.Endpoint
	}
	return cfg.GRPC.Endpoint
}
