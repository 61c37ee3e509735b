package attributefilterprocessor

import (
	"testing"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestComponentLifecycle: the config struct, and create, start, consume,
// shutdown (and shutdown without start) for every signal, with the default
// config.
func TestComponentLifecycle(t *testing.T) {
	testutil.CheckProcessor(t, NewFactory(), testutil.Lifecycle{})
}
