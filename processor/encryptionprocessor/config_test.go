package encryptionprocessor

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/otelgate/otelgate/extension/keyringextension"
	"github.com/otelgate/otelgate/internal/testutil"
)

func loadSub(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cfg := testutil.LoadConfig(t, filepath.Join("testdata", "config.yaml"), name, NewFactory()).(*Config)
	return cfg, cfg.Validate()
}

func TestLoadConfig(t *testing.T) {

	cfg, err := loadSub(t, "encryption")
	require.NoError(t, err)
	assert.Equal(t, component.MustNewID("keyring"), cfg.Keyring)
	assert.Equal(t, ActionEncrypt, cfg.Action)
	assert.Equal(t, "aes256gcm", cfg.Algorithm)
	assert.Equal(t, OnErrorKeep, cfg.OnError)
	assert.False(t, cfg.LogBody)

	cfg, err = loadSub(t, "encryption/full")
	require.NoError(t, err)
	assert.Equal(t, component.MustNewIDWithName("keyring", "prod"), cfg.Keyring)
	assert.Equal(t, ActionDecrypt, cfg.Action)
	assert.Equal(t, "chacha20poly1305", cfg.Algorithm)
	assert.Equal(t, OnErrorDropRecord, cfg.OnError)
	assert.True(t, cfg.LogBody)
	require.Len(t, cfg.Attributes, 3)
	assert.Equal(t, []string{"resource", "record"}, cfg.Attributes[1].Levels)

	s := newSelector(cfg)
	for _, c := range []struct {
		level, key string
		want       bool
		alg        string
	}{
		{"record", "user.email", true, "chacha20poly1305"},
		{"event", "user.email", true, "chacha20poly1305"},
		{"resource", "user.name", true, "chacha20poly1305"},
		{"scope", "user.name", false, ""},
		{"link", "acct.42", true, "aes256siv"},
		{"record", "acct.42x", false, ""},
		{"record", "xacct.42", false, ""},
		{"record", "service.name", false, ""},
	} {
		lvl := mustLevel(t, c.level)
		for range 2 { // second time from the cache
			alg, ok := s.match(lvl, c.key)
			assert.Equal(t, c.want, ok, "%s %s", c.level, c.key)
			if ok {
				assert.Equal(t, c.alg, alg.String())
			}
		}
	}

	for name, want := range map[string][]string{
		"encryption/bad_action":    {`action: must be encrypt or decrypt, got "scramble"`},
		"encryption/bad_algorithm": {`algorithm: unknown algorithm "rot13"`},
		"encryption/bad_on_error":  {`on_error: must be keep, drop_attribute or drop_record, got "ignore"`},
		"encryption/nothing":       {"attributes: at least one attribute rule (or log_body: true) is required"},
		"encryption/bad_rules": {
			"attributes[0].key: must not be empty",
			`attributes[1].key: invalid regex "(unclosed"`,
			`attributes[2].match_type: must be exact, glob or regex, got "fuzzy"`,
			`attributes[3].levels[1]: must be resource, scope, record, event or link, got "body"`,
			`attributes[4].algorithm: unknown algorithm "des"`,
		},
	} {
		_, err := loadSub(t, name)
		require.Error(t, err, name)
		for _, w := range want {
			assert.Contains(t, err.Error(), w, name)
		}
	}
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
}

// TestREADMEExamples validates every encryption processor and keyring
// extension configured in a YAML example of the README.
func TestREADMEExamples(t *testing.T) {
	procs := testutil.CheckReadme(t, "README.md", NewFactory(), nil)
	rings := testutil.CheckReadme(t, "README.md", keyringextension.NewFactory(), func(_ testutil.ReadmeExample, cfg component.Config) {
		c := cfg.(*keyringextension.Config)
		if c.File == "" {
			for j := range c.Keys {
				c.Keys[j].Key = testKey1 // the example reads it from the environment
			}
		}
	})
	assert.GreaterOrEqual(t, len(procs)+len(rings), 5, "README examples checked")
}
