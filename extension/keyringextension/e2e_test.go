package keyringextension_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelgate/otelgate/internal/e2etest"
)

// TestE2EPrintConfigAndValidateNeverShowKeys runs the built binary's
// print-config with a key from the environment (shown as [REDACTED]) and
// validate with a key of the wrong length (the error names the field, not the
// key).
func TestE2EPrintConfigAndValidateNeverShowKeys(t *testing.T) {
	e2etest.SkipIfShort(t)
	bin := e2etest.Binary(t)
	cfg := filepath.Join(e2etest.RepoRoot(), "extension", "keyringextension", "testdata", "e2e", "print-config.yaml")
	run := func(key []byte, args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "OTELGATE_ENCRYPTION_KEY="+base64.StdEncoding.EncodeToString(key))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	noKey := func(out string, key []byte) {
		t.Helper()
		for _, form := range []string{string(key), base64.StdEncoding.EncodeToString(key), base64.RawStdEncoding.EncodeToString(key),
			base64.URLEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key), hex.EncodeToString(key)} {
			assert.NotContains(t, out, form)
		}
	}

	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	out, err := run(key, "print-config", "--config", cfg)
	require.NoError(t, err, out)
	assert.Contains(t, out, "env-key")
	assert.Contains(t, out, "[REDACTED]")
	noKey(out, key)

	short := key[:31]
	out, err = run(short, "validate", "--config", cfg)
	require.Error(t, err, out)
	assert.Contains(t, out, "keys[0].key: must decode to 32 bytes, got 31")
	noKey(out, short)
}
