package keyringextension

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/internal/testutil"
)

const testKeyB64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" // test-only: bytes 0..31

func TestLoadConfig(t *testing.T) {
	t.Setenv("OTELGATE_TEST_KEY", testKeyB64)
	load := func(name string) (*Config, error) {
		cfg := testutil.LoadConfig(t, filepath.Join("testdata", "config.yaml"), name, NewFactory()).(*Config)
		return cfg, cfg.Validate()
	}
	cfg, err := load("keyring")
	require.NoError(t, err)
	assert.Equal(t, "/etc/otelgate/keys.yaml", cfg.File)
	assert.Equal(t, 10*time.Second, cfg.PollInterval)

	cfg, err = load("keyring/both")
	require.NoError(t, err)
	assert.Equal(t, "from-env", cfg.Active)
	assert.Equal(t, time.Minute, cfg.PollInterval)

	for name, want := range map[string]string{
		"keyring/bad_key":       "keys[0].key: must decode to 32 bytes, got 5",
		"keyring/none":          "file, keys: at least one key source is required",
		"keyring/two_no_active": "active: required when several keys are given without a file",
	} {
		_, err := load(name)
		require.ErrorContains(t, err, want, name)
	}
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
}

// TestPrintConfigRedactsKeys: the marshalled configuration (what
// print-config shows) holds no key material.
func TestPrintConfigRedactsKeys(t *testing.T) {
	cfg := &Config{Keys: []KeyConfig{{ID: "k1", Key: testKeyB64}}, Active: "k1"}
	conf := confmap.New()
	require.NoError(t, conf.Marshal(cfg))
	out := fmt.Sprintf("%v", conf.ToStringMap())
	assert.NotContains(t, out, testKeyB64[:20])
	assert.Contains(t, out, "[REDACTED]")
}

func writeRing(t *testing.T, path, active string, ids ...string) {
	t.Helper()
	var keys []*keyring.Key
	for _, id := range ids {
		k, err := keyring.GenerateKey(id)
		require.NoError(t, err)
		keys = append(keys, k)
	}
	r, err := keyring.NewRing(keys, active)
	require.NoError(t, err)
	require.NoError(t, keyring.WriteFile(path, r, false))
}

func startExtension(t *testing.T, cfg *Config) (*keyringExtension, *componenttest.Telemetry, *observer.ObservedLogs, error) {
	t.Helper()
	ext, tel, logs, err := testutil.StartExtension(t, NewFactory(), cfg)
	return ext.(*keyringExtension), tel, logs, err
}

// TestReloadRotatesAndKeepsOldRingOnBrokenFile: a changed file swaps the ring
// without restart; a broken file or a file opened to others keeps the
// previous ring, and the failure is counted and logged without key material.
func TestReloadRotatesAndKeepsOldRingOnBrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.yaml")
	writeRing(t, path, "k1", "k1")
	e, tel, logs, err := startExtension(t, &Config{File: path, PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	old := e.Ring()
	assert.Equal(t, "k1", old.Active().ID())
	assert.Equal(t, int64(1), testutil.IntSum(t, tel.Reader, "otelcol_extension_keyring_active_key", attribute.String("key_id", "k1")))

	// Rotation: the operator adds k2 and activates it; k1 stays for decryption.
	k1, _ := old.Lookup("k1")
	k2, err := keyring.GenerateKey("k2")
	require.NoError(t, err)
	r2, err := keyring.NewRing([]*keyring.Key{k1, k2}, "k2")
	require.NoError(t, err)
	require.NoError(t, keyring.WriteFile(path, r2, false))
	require.Eventually(t, func() bool { return e.Ring().Active().ID() == "k2" }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{"k1", "k2"}, e.Ring().IDs())
	assert.Equal(t, int64(1), testutil.IntSum(t, tel.Reader, "otelcol_extension_keyring_reloads", attribute.String("outcome", "success")))
	assert.Equal(t, int64(2), testutil.IntSum(t, tel.Reader, "otelcol_extension_keyring_keys"))

	// A broken file keeps the ring.
	secret := base64.StdEncoding.EncodeToString(make([]byte, 32))
	// Replaced atomically (as otelgate-keys does), so the reload sees only the
	// broken document, never a truncated file.
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte("active: k2\nkeys:\n  - id: k2\n    key: ["+secret+"\n"), 0o600))
	require.NoError(t, os.Rename(tmp, path))
	require.Eventually(t, func() bool {
		return testutil.IntSum(t, tel.Reader, "otelcol_extension_keyring_reloads", attribute.String("outcome", "failure")) == 1
	}, 10*time.Second, 10*time.Millisecond)
	const failures = 1
	assert.Equal(t, "k2", e.Ring().Active().ID())
	assert.Equal(t, []string{"k1", "k2"}, e.Ring().IDs())

	// A file readable by others keeps the ring too.
	require.NoError(t, os.Chmod(path, 0o644))
	require.Eventually(t, func() bool {
		return testutil.IntSum(t, tel.Reader, "otelcol_extension_keyring_reloads", attribute.String("outcome", "failure")) == failures+1
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "k2", e.Ring().Active().ID())
	var msgs []string
	for _, l := range logs.All() {
		msgs = append(msgs, l.Message)
		for _, f := range l.Context {
			msgs = append(msgs, f.String, toStringField(f))
		}
	}
	all := strings.Join(msgs, "\n")
	assert.Contains(t, all, "mode 0644")
	assert.NotContains(t, all, secret)
}

func toStringField(f zap.Field) string {
	if err, ok := f.Interface.(error); ok {
		return err.Error()
	}
	return ""
}

func TestStartRefusesOpenFileAndBadRing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.yaml")
	writeRing(t, path, "k1", "k1")
	require.NoError(t, os.Chmod(path, 0o644))
	_, _, _, err := startExtension(t, &Config{File: path})
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "0644")

	missing := filepath.Join(t.TempDir(), "none.yaml")
	_, _, _, err = startExtension(t, &Config{File: missing})
	require.ErrorContains(t, err, "key file "+missing+" does not exist; create one with: otelgate-keys generate --out "+missing)

	require.NoError(t, os.Chmod(path, 0o600))
	_, _, _, err = startExtension(t, &Config{File: path, Active: "nope"})
	require.ErrorContains(t, err, `active: key id "nope" is not in the ring`)

	_, _, _, err = startExtension(t, &Config{File: path, Keys: []KeyConfig{{ID: "k1", Key: testKeyB64}}})
	assert.ErrorContains(t, err, `"k1" appears twice`)
}

func TestInlineKeysAndFileCombine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.yaml")
	writeRing(t, path, "f1", "f1")
	e, _, _, err := startExtension(t, &Config{File: path, Keys: []KeyConfig{{ID: "env1", Key: testKeyB64}}, Active: "env1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"f1", "env1"}, e.Ring().IDs())
	assert.Equal(t, "env1", e.Ring().Active().ID())

	e2, _, _, err := startExtension(t, &Config{Keys: []KeyConfig{{ID: "only", Key: testKeyB64}}})
	require.NoError(t, err)
	assert.Equal(t, "only", e2.Ring().Active().ID(), "a single key is active")
}

func TestRingOf(t *testing.T) {
	e, _, _, err := startExtension(t, &Config{Keys: []KeyConfig{{ID: "only", Key: testKeyB64}}})
	require.NoError(t, err)
	id := component.MustNewID("keyring")
	host := hostWith{id: e}
	kr, err := RingOf(host, id)
	require.NoError(t, err)
	assert.Equal(t, "only", kr.Ring().Active().ID())
	_, err = RingOf(host, component.MustNewIDWithName("keyring", "other"))
	require.ErrorContains(t, err, `extension "keyring/other" not found`)
	_, err = RingOf(hostWith{id: nil}, id)
	assert.ErrorContains(t, err, "is not a keyring extension")
}

type hostWith map[component.ID]component.Component

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h }

// TestREADMEExample validates the YAML example of the README (with the
// environment's keys replaced by a test key).
func TestREADMEExample(t *testing.T) {
	examples := testutil.CheckReadme(t, "README.md", NewFactory(), func(_ testutil.ReadmeExample, cfg component.Config) {
		keys := cfg.(*Config).Keys
		for i := range keys {
			if strings.HasPrefix(string(keys[i].Key), "${env:") {
				keys[i].Key = testKeyB64
			}
		}
	})
	var ids []string
	for _, e := range examples {
		ids = append(ids, e.ID.String())
	}
	assert.ElementsMatch(t, []string{"keyring", "keyring/env"}, ids)
}
