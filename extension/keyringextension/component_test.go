package keyringextension

import (
	"path/filepath"
	"testing"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestComponentLifecycle: the config struct, and create, start, shutdown
// (and shutdown without start) with a watched key file.
func TestComponentLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.yaml")
	writeRing(t, path, "k1", "k1", "k2")
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.File = path
	testutil.CheckExtension(t, NewFactory(), testutil.Lifecycle{Config: cfg})
}
