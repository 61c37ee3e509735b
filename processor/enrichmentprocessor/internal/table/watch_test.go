package table

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func teamOf(f *File) string {
	r := f.Table().Lookup([]string{"checkout"})
	if r == nil || len(r.Attrs) == 0 {
		return ""
	}
	return r.Attrs[0].Value
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type results struct {
	mu   sync.Mutex
	errs []error
	ok   int
}

func (r *results) record(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs = append(r.errs, err)
	} else {
		r.ok++
	}
}

func (r *results) counts() (int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ok, len(r.errs)
}

func watch(t *testing.T, f *File, o WatchOptions) {
	t.Helper()
	t.Cleanup(f.Watch(o))
}

// TestWatchSeesRenameAndInPlaceWrites: change notifications on the directory
// pick up a file renamed into place, then one written in place, then a broken
// one that is counted and leaves the table as it was. Polling is off, so only
// notifications can cause these reloads.
func TestWatchSeesRenameAndInPlaceWrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "own.csv")
	require.NoError(t, os.WriteFile(path, []byte("service.name,team\ncheckout,v1\n"), 0o600))
	f, err := Open(path, Spec{Format: FormatCSV, KeyColumns: []string{"service.name"}})
	require.NoError(t, err)
	var res results
	watch(t, f, WatchOptions{Settle: 20 * time.Millisecond, OnReload: res.record})

	writeAtomically(t, path, "service.name,team\ncheckout,v2\n")
	waitFor(t, "v2 after rename", func() bool { return teamOf(f) == "v2" })

	require.NoError(t, os.WriteFile(path, []byte("service.name,team\ncheckout,v3\n"), 0o600))
	waitFor(t, "v3 after in-place write", func() bool { return teamOf(f) == "v3" })

	// An in-place write may be seen half-written and fail once; count from here.
	_, failedBefore := res.counts()
	writeAtomically(t, path, "service.name,team\ncheckout,\"broken\n")
	waitFor(t, "failed reload", func() bool { _, n := res.counts(); return n > failedBefore })
	require.Equal(t, "v3", teamOf(f))
	ok, _ := res.counts()
	require.GreaterOrEqual(t, ok, 2)
	res.mu.Lock()
	require.ErrorContains(t, res.errs[len(res.errs)-1], path+":2:")
	res.mu.Unlock()
}

// TestWatchConfigMapSymlinkSwap: Kubernetes ConfigMap volumes expose the file
// through a symlink to a directory that is swapped as a whole.
func TestWatchConfigMapSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	mk := func(name, content string) {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, name), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name, "own.csv"), []byte(content), 0o600))
	}
	mk("..2026_01", "service.name,team\ncheckout,v1\n")
	require.NoError(t, os.Symlink("..2026_01", filepath.Join(dir, "..data")))
	require.NoError(t, os.Symlink(filepath.Join("..data", "own.csv"), filepath.Join(dir, "own.csv")))
	f, err := Open(filepath.Join(dir, "own.csv"), Spec{Format: FormatCSV, KeyColumns: []string{"service.name"}})
	require.NoError(t, err)
	watch(t, f, WatchOptions{Settle: 20 * time.Millisecond})

	mk("..2026_02", "service.name,team\ncheckout,v2\n")
	require.NoError(t, os.Symlink("..2026_02", filepath.Join(dir, "..data_tmp")))
	require.NoError(t, os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
	waitFor(t, "v2 after the symlink swap", func() bool { return teamOf(f) == "v2" })
}

// TestWatchPollingFallback: with no notifications at all (the watcher
// unavailable), polling alone notices the change.
func TestWatchPollingFallback(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "own.csv")
	require.NoError(t, os.WriteFile(path, []byte("service.name,team\ncheckout,v1\n"), 0o600))
	f, err := Open(path, Spec{Format: FormatCSV, KeyColumns: []string{"service.name"}})
	require.NoError(t, err)
	// Make the next write look changed even if the clock did not move.
	f.mu.Lock()
	f.stat = nil
	f.mu.Unlock()
	require.True(t, f.Changed())
	require.NoError(t, os.WriteFile(path, []byte("service.name,team\ncheckout,v2\n"), 0o600))
	var res results
	watch(t, f, WatchOptions{PollOnly: true, Interval: 10 * time.Millisecond, OnReload: res.record})
	waitFor(t, "v2 by polling", func() bool { return teamOf(f) == "v2" })
	ok, failed := res.counts()
	require.Equal(t, 1, ok)
	require.Zero(t, failed)
}
