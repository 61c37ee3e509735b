package compressionexporter

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"
	"github.com/otelgate/otelgate/internal/testutil"
)

func loadConfig(t *testing.T, cm *confmap.Conf, name string) *Config {
	t.Helper()
	sub, err := cm.Sub(name)
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestLoadConfig(t *testing.T) {
	require.NoError(t, componenttest.CheckConfigStruct(createDefaultConfig()))
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	def := loadConfig(t, cm, "compression")
	require.NoError(t, confmap.Validate(def))
	assert.Equal(t, protocolGRPC, def.Protocol)
	assert.Equal(t, policyAdaptive, def.Policy)
	assert.Equal(t, 1024, def.MinSize)
	assert.Equal(t, 30*time.Second, def.Adaptive.EvaluationInterval)
	assert.Equal(t, 0.01, def.Adaptive.SampleShare)
	assert.Equal(t, 0.25, def.Adaptive.CPUTimeNoise)
	assert.Equal(t, 0.05, def.Adaptive.TrialCPUBudget)
	assert.Equal(t, []string{"zstd", "gzip", "snappy", "none"}, def.allowed())
	assert.True(t, def.QueueConfig.HasValue())

	st := loadConfig(t, cm, "compression/static_http")
	require.NoError(t, confmap.Validate(st))
	assert.Equal(t, CodecConfig{Codec: "gzip", Level: 9}, st.Static)
	assert.Equal(t, []string{"zstd", "gzip", "lz4", "snappy", "none"}, st.allowed(), "brotli only where accepted")

	bs := loadConfig(t, cm, "compression/by_signal")
	require.NoError(t, confmap.Validate(bs))
	c, l := bs.BySignal.Logs.resolved()
	assert.Equal(t, "br", c)
	assert.Equal(t, 7, l)
	c, l = bs.BySignal.Traces.resolved()
	assert.Equal(t, "zstd", c)
	assert.Equal(t, 3, l, "level 0 means the codec's default")

	ad := loadConfig(t, cm, "compression/adaptive")
	require.NoError(t, confmap.Validate(ad))
	assert.Equal(t, 1250000.0, ad.Adaptive.LinkBytesPerSecond)
	assert.Equal(t, 32768, ad.Adaptive.SampleMinBytes)
	assert.Equal(t, 4, ad.Adaptive.MaxBackoff)
	assert.Equal(t, 0.5, ad.Adaptive.CPUTimeNoise)
	assert.Equal(t, 0.1, ad.Adaptive.TrialCPUBudget)
	assert.Equal(t, "file_storage", ad.QueueConfig.Get().StorageID.String())
	cands := candidates(ad, ad.allowed())
	assert.Equal(t, "[{zstd 1} {zstd 7} {snappy 1} {none 0}]", strings.TrimSpace(fmtCandidates(cands)))
}

func TestValidateErrorsNameFieldAndValue(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"protocol", func(c *Config) { c.Protocol = "udp" }, `protocol: must be "grpc" or "http" (got "udp")`},
		{"grpc endpoint", func(c *Config) { c.GRPC.Endpoint = "" }, `grpc.endpoint: must not be empty`},
		{"http endpoint", func(c *Config) { c.Protocol = protocolHTTP; c.HTTP.Endpoint = "backend:4318" }, `http.endpoint: must start with http:// or https:// (got "backend:4318")`},
		{"transport compression", func(c *Config) { c.GRPC.Compression = "gzip" }, `grpc.compression: must be empty, the exporter compresses requests itself (got "gzip")`},
		{"unknown allowed", func(c *Config) { c.Allowed = []string{"zstd", "xz"} }, `allowed[1]: unknown codec "xz"`},
		{"lz4 on grpc", func(c *Config) { c.Allowed = []string{"lz4"} }, `allowed[0]: codec "lz4" is not available on protocol "grpc"`},
		{"brotli on grpc", func(c *Config) { c.Allowed = []string{"br"} }, `brotli needs protocol "http" and accept_brotli: true`},
		{"accept_brotli on grpc", func(c *Config) { c.AcceptBrotli = true }, `accept_brotli: only applies to protocol "http"`},
		{"min_size", func(c *Config) { c.MinSize = -1 }, `min_size: must not be negative (got -1)`},
		{"policy", func(c *Config) { c.Policy = "fastest" }, `policy: must be "static", "by_signal" or "adaptive" (got "fastest")`},
		{"static level", func(c *Config) { c.Policy = policyStatic; c.Static = CodecConfig{Codec: "gzip", Level: 12} }, `static: level: level 12 out of range [1, 9] for codec "gzip"`},
		{"static not allowed", func(c *Config) {
			c.Policy = policyStatic
			c.Allowed = []string{"gzip"}
			c.Static = CodecConfig{Codec: "zstd"}
		}, `static: codec: "zstd" is not allowed on this endpoint`},
		{"by_signal codec", func(c *Config) { c.Policy = policyBySignal; c.BySignal.Logs = CodecConfig{Codec: "rar"} }, `by_signal.logs: codec: unknown codec "rar"`},
		{"interval", func(c *Config) { c.Adaptive.EvaluationInterval = 0 }, `adaptive.evaluation_interval: must be positive (got 0s)`},
		{"share", func(c *Config) { c.Adaptive.SampleShare = 1.5 }, `adaptive.sample_share: must be in (0, 1] (got 1.5)`},
		{"sample bytes", func(c *Config) { c.Adaptive.SampleMaxBytes = 0 }, `adaptive.sample_max_bytes: must be positive (got 0)`},
		{"sample min bytes", func(c *Config) { c.Adaptive.SampleMinBytes = 2 << 20 }, `adaptive.sample_min_bytes: must be in [0, sample_max_bytes=1048576] (got 2097152)`},
		{"link", func(c *Config) { c.Adaptive.LinkBytesPerSecond = -5 }, `adaptive.link_bytes_per_second: must not be negative (got -5)`},
		{"margin", func(c *Config) { c.Adaptive.CandidateMargin = -0.1 }, `adaptive.candidate_margin: must not be negative (got -0.1)`},
		{"cpu noise", func(c *Config) { c.Adaptive.CPUTimeNoise = 1.5 }, `adaptive.cpu_time_noise: must be in [0, 1] (got 1.5)`},
		{"cpu noise NaN", func(c *Config) { c.Adaptive.CPUTimeNoise = math.NaN() }, `adaptive.cpu_time_noise: must be in [0, 1] (got NaN)`},
		{"trial budget", func(c *Config) { c.Adaptive.TrialCPUBudget = -0.01 }, `adaptive.trial_cpu_budget: must be in [0, 1] (got -0.01)`},
		{"full every", func(c *Config) { c.Adaptive.FullTrialEvery = 0 }, `adaptive.full_trial_every: must be at least 1 (got 0)`},
		{"max backoff", func(c *Config) { c.Adaptive.MaxBackoff = 0 }, `adaptive.max_backoff: must be in [1, 64] (got 0)`},
		{"levels codec", func(c *Config) { c.Adaptive.Levels = map[string][]int{"br": {5}} }, `adaptive.levels.br: codec is not allowed`},
		{"levels value", func(c *Config) { c.Adaptive.Levels = map[string][]int{"zstd": {1, 30}} }, `adaptive.levels.zstd[1]: level 30 out of range [1, 22]`},
		{"initial", func(c *Config) { c.Adaptive.Initial = CodecConfig{Codec: "lz4"} }, `adaptive.initial: codec: "lz4" is not allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.GRPC.Endpoint = "backend:4317"
			require.NoError(t, cfg.Validate())
			tt.mutate(cfg)
			assert.ErrorContains(t, cfg.Validate(), tt.want)
		})
	}
}

// TestReadmeExamples validates every compression exporter configured in a
// YAML example of the README.
func TestReadmeExamples(t *testing.T) {
	assert.GreaterOrEqual(t, len(testutil.CheckReadme(t, "README.md", NewFactory(), nil)), 4, "README examples found")
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "example.yaml")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

// TestBenchConfigsValidate loads the compression exporters of the end-to-end
// benchmark rows (bench/7*-*.yaml) and validates them.
func TestBenchConfigsValidate(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "bench", "7*-*.yaml"))
	require.NoError(t, err)
	n := 0
	env := regexp.MustCompile(`\$\{env:[A-Z0-9_]+\}`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		// The runner sets the addresses; any valid ones will do here, one
		// per variable (routing rows list several endpoints).
		port := 4317
		b = env.ReplaceAllFunc(b, func([]byte) []byte {
			port++
			return fmt.Appendf(nil, "127.0.0.1:%d", port)
		})
		cm, err := confmaptest.LoadConf(writeTemp(t, b))
		require.NoError(t, err)
		exps, err := cm.Sub("exporters")
		require.NoError(t, err)
		for key := range exps.ToStringMap() {
			id := component.ID{}
			require.NoError(t, id.UnmarshalText([]byte(key)))
			if id.Type() != metadata.Type {
				continue
			}
			require.NoError(t, confmap.Validate(loadConfig(t, exps, key)), "%s: %s", f, key)
			n++
		}
	}
	assert.GreaterOrEqual(t, n, 6, "bench/7*-*.yaml configure the compression exporter (rows 70 to 75)")
}
