package aggregationprocessor

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestComponentLifecycle: the config struct, and create, start, consume,
// shutdown (and shutdown without start) with the README's basic example.
func TestComponentLifecycle(t *testing.T) {
	cfg, err := loadNamed(t, "readme_basic")
	require.NoError(t, err)
	testutil.CheckProcessor(t, NewFactory(), testutil.Lifecycle{Config: cfg})
}
