package tenantauthextension

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelgate/otelgate/internal/testutil"
)

// Test-only tokens.
const (
	tokenAcme   = "acme-token-0123456789abcdef"
	tokenGlobex = "globex-token-0123456789abcdef"
)

func TestLoadConfig(t *testing.T) {
	load := func(name string) (*Config, error) {
		cfg := testutil.LoadConfig(t, filepath.Join("testdata", "config.yaml"), name, NewFactory()).(*Config)
		return cfg, cfg.Validate()
	}
	cfg, err := load("tenant_auth")
	require.NoError(t, err)
	assert.Equal(t, "authorization", cfg.Header)
	assert.Equal(t, "Bearer", cfg.scheme())
	assert.Equal(t, 10*time.Second, cfg.PollInterval)

	cfg, err = load("tenant_auth/custom")
	require.NoError(t, err)
	assert.Empty(t, cfg.scheme())
	assert.Equal(t, time.Minute, cfg.PollInterval)

	_, err = load("tenant_auth/no_file")
	require.ErrorContains(t, err, "file: must name the tokens file")
	_, err = load("tenant_auth/bad")
	for _, want := range []string{`header: must not be empty, got ""`, `scheme: must be one word, got "Bearer Token"`, "poll_interval: must not be negative, got -1s"} {
		require.ErrorContains(t, err, want)
	}
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
}

func writeTokens(t *testing.T, path string, mode os.FileMode, entries ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("tokens:\n")
	for i := 0; i+1 < len(entries); i += 2 {
		fmt.Fprintf(&b, "  - tenant: %s\n    token: %s\n", entries[i], entries[i+1])
	}
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(b.String()), mode))
	require.NoError(t, os.Chmod(tmp, mode))
	require.NoError(t, os.Rename(tmp, path))
}

func start(t *testing.T, cfg *Config) (*tenantAuth, *componenttest.Telemetry, *observer.ObservedLogs, error) {
	t.Helper()
	ext, tel, logs, err := testutil.StartExtension(t, NewFactory(), cfg)
	return ext.(*tenantAuth), tel, logs, err
}

func tenantOf(ctx context.Context) any {
	cl := client.FromContext(ctx)
	if cl.Auth == nil {
		return nil
	}
	return cl.Auth.GetAttribute(AttributeTenant)
}

// TestAuthenticate: a known token yields its tenant in client.Info.Auth (HTTP
// and gRPC header spellings, scheme case-insensitive) and keeps the request's
// metadata; every refusal is counted by reason and its error never holds the
// presented value.
func TestAuthenticate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	writeTokens(t, path, 0o600, "acme", tokenAcme, "globex", tokenGlobex)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.File = path
	cfg.PollInterval = 0
	a, tel, _, err := start(t, cfg)
	require.NoError(t, err)

	base := client.NewContext(context.Background(), client.Info{Metadata: client.NewMetadata(map[string][]string{"x-tenant": {"globex"}})})
	ctx, err := a.Authenticate(base, map[string][]string{"Authorization": {"Bearer " + tokenAcme}})
	require.NoError(t, err)
	assert.Equal(t, "acme", tenantOf(ctx))
	assert.Equal(t, []string{"globex"}, client.FromContext(ctx).Metadata.Get("x-tenant"), "metadata kept")
	assert.Equal(t, []string{AttributeTenant}, client.FromContext(ctx).Auth.GetAttributeNames())
	assert.Nil(t, client.FromContext(ctx).Auth.GetAttribute("subject"))

	ctx, err = a.Authenticate(context.Background(), map[string][]string{"authorization": {"bearer " + tokenGlobex}})
	require.NoError(t, err)
	assert.Equal(t, "globex", tenantOf(ctx))

	wrong := "Bearer " + tokenAcme + "x"
	for _, c := range []struct {
		headers map[string][]string
		reason  string
	}{
		{nil, ReasonMissing},
		{map[string][]string{"Authorization": {""}}, ReasonMissing},
		{map[string][]string{"X-Tenant": {"acme"}}, ReasonMissing},
		{map[string][]string{"Authorization": {tokenAcme}}, ReasonMalformed},
		{map[string][]string{"Authorization": {"Basic " + tokenAcme}}, ReasonMalformed},
		{map[string][]string{"Authorization": {"Bearer   "}}, ReasonMalformed},
		{map[string][]string{"Authorization": {wrong}}, ReasonUnknownToken},
		{map[string][]string{"authorization": {"Bearer " + tokenAcme[:20]}}, ReasonUnknownToken},
	} {
		ctx, err := a.Authenticate(context.Background(), c.headers)
		require.Error(t, err, "%v", c.headers)
		assert.Nil(t, tenantOf(ctx))
		assert.NotContains(t, err.Error(), "token-0123", "the error must not echo the credential")
	}
	assert.Equal(t, int64(3), testutil.IntSum(t, tel.Reader, "otelcol_extension_tenant_auth_rejected", attribute.String("reason", ReasonMissing)))
	assert.Equal(t, int64(3), testutil.IntSum(t, tel.Reader, "otelcol_extension_tenant_auth_rejected", attribute.String("reason", ReasonMalformed)))
	assert.Equal(t, int64(2), testutil.IntSum(t, tel.Reader, "otelcol_extension_tenant_auth_rejected", attribute.String("reason", ReasonUnknownToken)))
	assert.Equal(t, int64(1), testutil.IntSum(t, tel.Reader, "otelcol_extension_tenant_auth_authenticated", attribute.String("tenant", "acme")))
	assert.Equal(t, int64(1), testutil.IntSum(t, tel.Reader, "otelcol_extension_tenant_auth_authenticated", attribute.String("tenant", "globex")))
	assert.Equal(t, int64(2), testutil.IntSum(t, tel.Reader, "otelcol_extension_tenant_auth_tokens"))
}

func TestCustomHeaderWithoutScheme(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	writeTokens(t, path, 0o400, "acme", tokenAcme)
	empty := ""
	cfg := &Config{File: path, Header: "X-Otelgate-Token", Scheme: &empty}
	a, _, _, err := start(t, cfg)
	require.NoError(t, err)
	ctx, err := a.Authenticate(context.Background(), map[string][]string{"x-otelgate-token": {tokenAcme}})
	require.NoError(t, err)
	assert.Equal(t, "acme", tenantOf(ctx))
	_, err = a.Authenticate(context.Background(), map[string][]string{"Authorization": {"Bearer " + tokenAcme}})
	require.Error(t, err)
}

// TestStartRefuses: a missing file, a file others may read and a malformed
// file each fail the start with an error naming the file, never a token.
func TestStartRefuses(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	_, _, _, err := start(t, &Config{File: missing, Header: "authorization"})
	require.ErrorContains(t, err, missing+" does not exist")

	path := filepath.Join(dir, "tokens.yaml")
	for _, mode := range []os.FileMode{0o644, 0o604, 0o660, 0o620, 0o601} {
		writeTokens(t, path, mode, "acme", tokenAcme)
		_, _, _, err = start(t, &Config{File: path, Header: "authorization"})
		require.ErrorContains(t, err, fmt.Sprintf("mode %04o", mode))
	}
	writeTokens(t, path, 0o440, "acme", tokenAcme) // Kubernetes Secret volume with fsGroup
	_, _, _, err = start(t, &Config{File: path, Header: "authorization"})
	require.NoError(t, err)

	writeTokens(t, path, 0o600, "acme", "short")
	_, _, _, err = start(t, &Config{File: path, Header: "authorization"})
	require.ErrorContains(t, err, `tokens[0].token (tenant "acme"): must be at least 16 characters, got 5`)

	writeTokens(t, path, 0o600, "acme", tokenAcme, "globex", tokenAcme)
	_, _, _, err = start(t, &Config{File: path, Header: "authorization"})
	require.ErrorContains(t, err, `tokens[1].token (tenant "globex"): same token as tokens[0]`)
	assert.NotContains(t, err.Error(), tokenAcme)

	require.NoError(t, os.WriteFile(path, []byte("tokens:\n  - tenant: acme\n    tokn: "+tokenAcme+"\n"), 0o600))
	_, _, _, err = start(t, &Config{File: path, Header: "authorization"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), tokenAcme)
}

// TestReload: a changed file is picked up without restart (a revoked token is
// refused, a new one accepted); a broken file keeps the previous tokens and
// the failure is counted and logged without any token.
func TestReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	writeTokens(t, path, 0o600, "acme", tokenAcme)
	a, tel, logs, err := start(t, &Config{File: path, Header: "authorization", PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	bearer := func(tok string) map[string][]string { return map[string][]string{"authorization": {"Bearer " + tok}} }

	writeTokens(t, path, 0o600, "globex", tokenGlobex)
	require.Eventually(t, func() bool {
		_, err := a.Authenticate(context.Background(), bearer(tokenGlobex))
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	_, err = a.Authenticate(context.Background(), bearer(tokenAcme))
	require.Error(t, err, "revoked token still accepted")
	assert.Equal(t, int64(1), testutil.IntSum(t, tel.Reader, "otelcol_extension_tenant_auth_reloads", attribute.String("outcome", "success")))

	require.NoError(t, os.WriteFile(path+".tmp", []byte("tokens: [ {tenant: x, token: "+tokenAcme+"\n"), 0o600))
	require.NoError(t, os.Rename(path+".tmp", path))
	require.Eventually(t, func() bool {
		return testutil.IntSum(t, tel.Reader, "otelcol_extension_tenant_auth_reloads", attribute.String("outcome", "failure")) == 1
	}, 10*time.Second, 10*time.Millisecond)
	ctx, err := a.Authenticate(context.Background(), bearer(tokenGlobex))
	require.NoError(t, err, "the previous tokens must stay after a broken reload")
	assert.Equal(t, "globex", tenantOf(ctx))
	for _, e := range logs.All() {
		assert.NotContains(t, e.Message, "token-0123")
		for _, f := range e.Context {
			assert.NotContains(t, f.String+fmt.Sprint(f.Interface), "token-0123")
		}
	}
}

// TestREADMEExample validates the README's YAML example.
func TestREADMEExample(t *testing.T) {
	require.Len(t, testutil.CheckReadme(t, "README.md", NewFactory(), nil), 1)
}
