package attributefilterprocessor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/metadata"
)

// TestKeyListAgreesWithReference runs random attribute maps (with duplicate
// keys, and from none to every denied key present) through deny and allow
// lists of exact keys, with and without limits and an audit attribute, and
// compares each result with a plain reference filter: same surviving
// attributes (order aside), same number removed.
func TestKeyListAgreesWithReference(t *testing.T) {
	// passwerd and taken share length, first and last byte (so the filter's
	// answer) with password and token: only the string compare tells them apart.
	pool := []string{
		"password", "passwerd", "passwore", "token", "taken", "tokem", "api.key", "db.connection_string", "session.token",
		"http.route", "http.request.method", "code.function", "a", "b", "", "x.y.z", "pass", "wordpass",
	}
	rng := rand.New(rand.NewPCG(4, 2))
	for round := range 300 {
		var listed []string
		for _, k := range pool {
			if k != "" && rng.IntN(3) == 0 { // an empty key is in maps, never in lists
				listed = append(listed, k)
			}
		}
		if len(listed) == 0 {
			listed = pool[:1]
		}
		allow := round%3 == 2
		limited := round%4 == 1
		audit := ""
		if round%5 == 0 {
			audit = "removed.count"
		}
		cfg := createDefaultConfig().(*Config)
		if allow {
			cfg.Keys.Record.Allow = listed
		} else {
			cfg.Keys.Record.Deny = listed
		}
		cfg.Keys.AuditAttribute = audit
		if limited {
			cfg.Limits.MaxStringLength = 1000
		}
		f, err := newFilter(processortest.NewNopSettings(metadata.Type), cfg, fixedClock())
		require.NoError(t, err)

		ld := plog.NewLogs()
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		// Duplicate keys cannot be made through Put*: build the map from JSON.
		raw := ""
		want := map[string]any{}
		for range rng.IntN(12) {
			k := pool[rng.IntN(len(pool))]
			if raw != "" {
				raw += ","
			}
			// A key's value depends on the key only: duplicates agree, whatever order they end in.
			raw += fmt.Sprintf(`{"key":%q,"value":{"intValue":"%d"}}`, k, len(k))
		}
		in, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[` + raw + `]}]}]}]}`))
		require.NoError(t, err)
		in.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).CopyTo(lr)
		removed := 0
		for k, v := range lr.Attributes().All() {
			listedKey := false
			for _, l := range listed {
				listedKey = listedKey || l == k
			}
			if listedKey != allow {
				removed++
				continue
			}
			want[k] = v.AsRaw() // a duplicate kept twice is seen once by AsRaw, on both sides
		}
		if audit != "" && removed > 0 {
			want[audit] = int64(removed)
		}
		before := lr.Attributes().Len()
		out, err := f.processLogs(context.Background(), ld)
		require.NoError(t, err)
		got := out.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
		assert.Equal(t, want, got.AsRaw(), "round %d: list %q allow=%v", round, listed, allow)
		after := before - removed
		if audit != "" && removed > 0 {
			after++
		}
		assert.Equal(t, after, got.Len(), "round %d: attributes left (duplicates count)", round)
	}
}

// TestSignalWithNothingConfiguredPassesUntouched: a rule for log records
// only leaves span batches exactly as they came (the pass-through path) and
// still drops the matching log records; an empty batch is still not passed on.
func TestSignalWithNothingConfiguredPassesUntouched(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Drop.DropIfAny = []RuleConfig{{Matchers: []MatcherConfig{{Field: "log.severity_text", Exact: "DEBUG"}}}}
	f, err := newFilter(processortest.NewNopSettings(metadata.Type), cfg, fixedClock())
	require.NoError(t, err)
	ctx := context.Background()

	td := benchTraces(true)
	want := copyTraces(td)
	out, err := f.processTraces(ctx, td)
	require.NoError(t, err)
	require.NoError(t, ptracetest.CompareTraces(want, out))

	_, err = f.processTraces(ctx, ptrace.NewTraces())
	require.ErrorIs(t, err, processorhelperErrSkip)

	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	lrs.AppendEmpty().SetSeverityText("DEBUG")
	lrs.AppendEmpty().SetSeverityText("INFO")
	outLogs, err := f.processLogs(ctx, ld)
	require.NoError(t, err)
	require.Equal(t, 1, outLogs.LogRecordCount())
	assert.Equal(t, "INFO", outLogs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).SeverityText())
}
