package tenantauthextension

import (
	"path/filepath"
	"testing"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestComponentLifecycle: the config struct, and create, start, shutdown
// (and shutdown without start) with a watched tokens file.
func TestComponentLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	writeTokens(t, path, 0o600, "acme", tokenAcme)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.File = path
	testutil.CheckExtension(t, NewFactory(), testutil.Lifecycle{Config: cfg})
}
