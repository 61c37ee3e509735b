package enrichmentprocessor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"

	"github.com/otelgate/otelgate/internal/testutil"
)

var versionColumns = []string{"col_a", "col_b", "col_c", "col_d"}

const tableRows = 500

// versionedTable is a table in which every column of every row holds version.
func versionedTable(version string) string {
	var b strings.Builder
	b.WriteString("service.name," + strings.Join(versionColumns, ",") + "\n")
	for i := range tableRows {
		fmt.Fprintf(&b, "service-%d", i)
		for range versionColumns {
			b.WriteString("," + version)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func writeAtomically(t testing.TB, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

// TestReloadUnderLoad rewrites a lookup table while four goroutines push spans
// through the processor (run it with -race). Every column of a table version
// carries the version's tag, so a record that saw a half-loaded table would
// carry two tags. It checks that every record's columns agree, that each
// sender moves from v1 to v2 and never back, and that a broken file then
// leaves v2 in place and is counted as a failed reload.
func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "versions.csv")
	require.NoError(t, os.WriteFile(path, []byte(versionedTable("v1")), 0o600))

	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	set := processor.Settings{ID: nopSettings().ID, TelemetrySettings: tt.NewTelemetrySettings(), BuildInfo: nopSettings().BuildInfo}

	cfg := &Config{Lookups: []LookupConfig{{
		Name: "versions", File: path, Key: []string{"service.name"}, ReloadInterval: time.Hour,
	}}}
	require.NoError(t, cfg.Validate())
	e, err := newEnricher(set, cfg)
	require.NoError(t, err)
	require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, e.shutdown(context.Background())) })
	require.EqualValues(t, tableRows, testutil.IntSum(t, tt.Reader, "otelcol_processor_enrichment_table_rows", attribute.String("table", "versions")))

	const senders = 4
	var (
		stop      atomic.Bool
		wg        sync.WaitGroup
		mixed     atomic.Int64 // records whose columns disagree
		backwards atomic.Int64 // a sender saw v1 after v2
		seen      [senders]struct{ v1, v2, v3 atomic.Int64 }
	)
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sawV2 := false
			for batch := 0; !stop.Load(); batch++ {
				td := ptrace.NewTraces()
				for r := range 16 {
					rs := td.ResourceSpans().AppendEmpty()
					rs.Resource().Attributes().PutStr("service.name", fmt.Sprintf("service-%d", (batch*16+r*31+s)%tableRows))
					rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("op")
				}
				out, err := e.processTraces(context.Background(), td)
				if err != nil {
					t.Error(err)
					return
				}
				for _, rs := range out.ResourceSpans().All() {
					attrs := rs.Resource().Attributes()
					first, _ := attrs.Get(versionColumns[0])
					version := first.Str()
					for _, c := range versionColumns[1:] {
						if v, _ := attrs.Get(c); v.Str() != version {
							mixed.Add(1)
						}
					}
					switch version {
					case "v1":
						seen[s].v1.Add(1)
						if sawV2 {
							backwards.Add(1)
						}
					case "v2":
						seen[s].v2.Add(1)
						sawV2 = true
					case "v3":
						seen[s].v3.Add(1)
					default:
						mixed.Add(1)
					}
				}
			}
		}()
	}
	allSaw := func(what string, count func(s int) int64, atLeast int64) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for s := range senders {
			for count(s) < atLeast {
				if time.Now().After(deadline) {
					t.Fatalf("sender %d: %s seen %d times, want %d", s, what, count(s), atLeast)
				}
				time.Sleep(time.Millisecond)
			}
		}
	}
	allSaw("v1", func(s int) int64 { return seen[s].v1.Load() }, 200)

	// v2 replaces v1 while data flows.
	writeAtomically(t, path, versionedTable("v2"))
	require.NoError(t, e.reload(0))
	allSaw("v2", func(s int) int64 { return seen[s].v2.Load() }, 200)
	// The watcher may have seen the same write first; either way it is one reload.
	require.EqualValues(t, 1, testutil.IntSum(t, tt.Reader, "otelcol_processor_enrichment_table_reloads", attribute.String("table", "versions")))

	// A broken v3 (a duplicate key at its last line) is rejected and v2 stays.
	broken := versionedTable("v3") + "service-0,v3,v3,v3,v3\n"
	writeAtomically(t, path, broken)
	err = e.reload(0)
	if err != nil { // nil when the watcher got there first and already counted it
		require.ErrorContains(t, err, fmt.Sprintf("%s:%d: duplicate key", path, tableRows+2))
	}
	require.EqualValues(t, 1, testutil.IntSum(t, tt.Reader, "otelcol_processor_enrichment_table_reload_failures", attribute.String("table", "versions")))
	before := make([]int64, senders)
	for s := range senders {
		before[s] = seen[s].v2.Load()
	}
	allSaw("v2 after the broken write", func(s int) int64 { return seen[s].v2.Load() - before[s] }, 200)

	stop.Store(true)
	wg.Wait()
	assert.Zero(t, mixed.Load(), "records with columns from two table versions")
	assert.Zero(t, backwards.Load(), "records that went back to v1 after v2")
	for s := range senders {
		assert.Zero(t, seen[s].v3.Load(), "sender %d saw the broken table", s)
	}
	assert.EqualValues(t, 1, testutil.IntSum(t, tt.Reader, "otelcol_processor_enrichment_table_reloads", attribute.String("table", "versions")))
	assert.EqualValues(t, tableRows, testutil.IntSum(t, tt.Reader, "otelcol_processor_enrichment_table_rows", attribute.String("table", "versions")))
}

// TestStartFailsOnBrokenTable: a table that does not load fails the start
// and the error names the lookup, the file and the line.
func TestStartFailsOnBrokenTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "own.csv")
	require.NoError(t, os.WriteFile(path, []byte("service.name,team\ncheckout,a\ncart,b,extra\n"), 0o600))
	cfg := &Config{Lookups: []LookupConfig{{File: path, Key: []string{"service.name"}}}}
	p, err := NewFactory().CreateTraces(context.Background(), nopSettings(), cfg, consumertest.NewNop())
	require.NoError(t, err)
	err = p.Start(context.Background(), componenttest.NewNopHost())
	require.ErrorContains(t, err, "lookups[0]: "+path+":3: wrong number of fields")
	require.NoError(t, p.Shutdown(context.Background()))
}

// TestSignalsShareTables: one component in traces, metrics and logs pipelines
// (the collector passes the same *Config to the three create calls) loads and
// watches its table once, so a change is one reload, counted once, and the
// shared state is released when the last signal shuts down.
func TestSignalsShareTables(t *testing.T) {
	path := filepath.Join(t.TempDir(), "versions.csv")
	require.NoError(t, os.WriteFile(path, []byte(versionedTable("v1")), 0o600))
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	set := processor.Settings{ID: nopSettings().ID, TelemetrySettings: tt.NewTelemetrySettings(), BuildInfo: nopSettings().BuildInfo}
	cfg := &Config{Lookups: []LookupConfig{{Name: "versions", File: path, Key: []string{"service.name"}, ReloadInterval: 50 * time.Millisecond}}}

	f := NewFactory()
	tr, err := f.CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	ts := new(consumertest.LogsSink)
	lg, err := f.CreateLogs(context.Background(), set, cfg, ts)
	require.NoError(t, err)
	mt, err := f.CreateMetrics(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	enrichers.mu.Lock()
	require.Equal(t, 3, enrichers.m[cfg].refs, "one enricher for the three signals")
	enrichers.mu.Unlock()
	for _, c := range []component.Component{tr, lg, mt} {
		require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	}

	writeAtomically(t, path, versionedTable("v2"))
	deadline := time.Now().Add(10 * time.Second)
	for testutil.IntSum(t, tt.Reader, "otelcol_processor_enrichment_table_reloads", attribute.String("table", "versions")) == 0 {
		require.False(t, time.Now().After(deadline), "the table was not reloaded")
		time.Sleep(10 * time.Millisecond)
	}
	// Let any other watcher of the same file notice the change too (there is none).
	time.Sleep(20 * 50 * time.Millisecond)
	assert.EqualValues(t, 1, testutil.IntSum(t, tt.Reader, "otelcol_processor_enrichment_table_reloads", attribute.String("table", "versions")))

	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().Resource().Attributes().PutStr("service.name", "service-7")
	require.NoError(t, lg.ConsumeLogs(context.Background(), ld))
	v, _ := ts.AllLogs()[0].ResourceLogs().At(0).Resource().Attributes().Get("col_a")
	assert.Equal(t, "v2", v.Str(), "the logs pipeline sees the reloaded table")

	for _, c := range []component.Component{tr, lg} {
		require.NoError(t, c.Shutdown(context.Background()))
	}
	enrichers.mu.Lock()
	require.Contains(t, enrichers.m, cfg, "still used by the metrics pipeline")
	enrichers.mu.Unlock()
	require.NoError(t, mt.Shutdown(context.Background()))
	enrichers.mu.Lock()
	assert.NotContains(t, enrichers.m, cfg, "released after the last shutdown")
	enrichers.mu.Unlock()
}
