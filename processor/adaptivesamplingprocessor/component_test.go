package adaptivesamplingprocessor

import (
	"testing"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestComponentLifecycle: the config struct, and create, start, consume,
// shutdown (and shutdown without start) for every signal, with one
// probabilistic rule.
func TestComponentLifecycle(t *testing.T) {
	cfg := testConfig(RuleConfig{Name: "half", Type: SamplerProbabilistic, SamplingPercentage: 50})
	testutil.CheckProcessor(t, NewFactory(), testutil.Lifecycle{Config: cfg})
}
