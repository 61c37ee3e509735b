package attributefilterprocessor

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
)

// A flood of unique keys against config.yaml's deny_regex: every key ending
// in token is removed, every other key stays, and the verdict cache stays
// bounded with its evictions counted in the processor's own metric.
func TestKeyVerdictCacheUnderUniqueKeys(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	cfg := createDefaultConfig().(*Config)
	cfg.Keys.Record.Deny = []string{"password", "*.secret"}
	cfg.Keys.Record.DenyRegex = []string{`(?i)(api[_-]?key|token|credentials?)$`}
	f, err := newFilter(settingsWith(tel), cfg, fixedClock())
	require.NoError(t, err)

	const batches, perSpan = 40, 500
	for b := range batches {
		td := ptrace.NewTraces()
		attrs := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().Attributes()
		for i := range perSpan {
			n := strconv.Itoa(b*perSpan + i)
			attrs.PutStr("k"+n, "v")
			attrs.PutStr("k"+n+".Token", "v")
		}
		out, err := f.processTraces(context.Background(), td)
		require.NoError(t, err)
		got := out.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
		require.Equal(t, perSpan, got.Len(), "batch %d: the .Token keys go, the others stay", b)
		_, ok := got.Get("k" + strconv.Itoa(b*perSpan))
		require.True(t, ok)
	}
	keys := f.policy.keys[levelRecord].keys
	evicted := keys.Evictions()
	// 20,000 distinct .Token keys reach the cache (the k<n> keys end in a
	// byte no pattern ends with and skip it), bounded at 2×CacheSize.
	assert.Greater(t, evicted, int64(batches*perSpan-2*match.CacheSize))
	assert.Equal(t, evicted, testutil.IntSum(t, tel.Reader, "otelcol_processor_attribute_filter_key_verdict_evictions"))
}
