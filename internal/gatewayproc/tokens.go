package gatewayproc

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
)

// ThrowawayTenant is the tenant of the token WriteThrowawayTokens writes.
const ThrowawayTenant = "local"

// WriteThrowawayTokens writes a tenant_auth tokens file with one fresh random
// token of tenant ThrowawayTenant to dir/tokens.yaml (mode 0600) and returns
// its path and the token. Every process Start launches gets one, exported as
// OTELGATE_TOKENS_FILE, so configs that authenticate their receivers
// (config.yaml among them) run in tests, the demo and benchmarks; senders add
// Process.AuthHeaders to their requests.
func WriteThrowawayTokens(dir string) (path, token string, err error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	path = filepath.Join(dir, "tokens.yaml")
	content := fmt.Sprintf("tokens:\n  - tenant: %s\n    token: %s\n", ThrowawayTenant, token)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return "", "", fmt.Errorf("throwaway tokens: %w", err)
	}
	return path, token, nil
}

// AuthHeaders are the request headers that authenticate a sender with the
// process's throwaway token (nil when the caller gave its own tokens file).
// Configs without an authenticator ignore them.
func (p *Process) AuthHeaders() map[string]string {
	if p == nil || p.Token == "" {
		return nil
	}
	return map[string]string{"authorization": "Bearer " + p.Token}
}
