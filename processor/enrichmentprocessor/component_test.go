package enrichmentprocessor

import (
	"testing"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestComponentLifecycle: the config struct, and create, start, consume,
// shutdown (and shutdown without start) for every signal, with the lookups
// example of testdata/config.yaml (tables loaded and watched).
func TestComponentLifecycle(t *testing.T) {
	testutil.CheckProcessor(t, NewFactory(), testutil.Lifecycle{Config: loadConfig(t, testdata("config.yaml"), "enrichment/lookups")})
}
