package samplingstateextension

import (
	"testing"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestComponentLifecycle: the config struct, and create, start, shutdown
// (and shutdown without start) with the default (memory) backend.
func TestComponentLifecycle(t *testing.T) {
	testutil.CheckExtension(t, NewFactory(), testutil.Lifecycle{})
}
