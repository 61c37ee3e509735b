package table

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// MaxFileBytes bounds the size of a table file.
const MaxFileBytes = 64 << 20

// File is a table loaded from a file. Readers call Table for the current
// version; Reload parses the file into a complete new Table and publishes it
// with one atomic store, so a reader sees either the old table or the new
// one, never a mix. A file that fails to parse leaves the current table in place.
type File struct {
	path string
	spec Spec

	cur atomic.Pointer[Table]

	mu   sync.Mutex // serialises reloads; guards stat and sum
	stat os.FileInfo
	sum  [sha256.Size]byte
}

// Open loads the file; the error names the file and line of the first problem.
func Open(path string, spec Spec) (*File, error) {
	f := &File{path: path, spec: spec}
	if _, err := f.Reload(); err != nil {
		return nil, err
	}
	return f, nil
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

// Table is the current table.
func (f *File) Table() *Table { return f.cur.Load() }

// Reload reads and parses the file and swaps the result in. It reports
// whether the table changed; content identical to the current table's is not
// parsed again. On error the current table stays.
func (f *File) Reload() (changed bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, data, err := f.read()
	if err != nil {
		return false, err
	}
	sum := sha256.Sum256(data)
	f.stat = st
	if f.cur.Load() != nil && sum == f.sum {
		return false, nil
	}
	f.sum = sum // a broken file is reported once, not again at every poll
	t, err := Parse(f.path, data, f.spec)
	if err != nil {
		return false, err
	}
	f.cur.Store(t)
	return true, nil
}

// Changed reports whether the file looks different from the one last read
// (another file renamed into place, a new size or modification time).
func (f *File) Changed() bool {
	st, err := os.Stat(f.path)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil || f.stat == nil {
		return true
	}
	return !os.SameFile(st, f.stat) || st.Size() != f.stat.Size() || !st.ModTime().Equal(f.stat.ModTime())
}

func (f *File) read() (os.FileInfo, []byte, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, nil, &Error{File: f.path, Msg: err.Error()}
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, nil, &Error{File: f.path, Msg: err.Error()}
	}
	data, err := io.ReadAll(io.LimitReader(fh, MaxFileBytes+1))
	if err != nil {
		return nil, nil, &Error{File: f.path, Msg: err.Error()}
	}
	if len(data) > MaxFileBytes {
		return nil, nil, &Error{File: f.path, Msg: fmt.Sprintf("larger than %d bytes", MaxFileBytes)}
	}
	return st, data, nil
}

// WatchOptions says how Watch notices changes.
type WatchOptions struct {
	// Interval is the polling fallback: the file is checked this often even
	// when no change notification arrives. Zero disables polling.
	Interval time.Duration
	// Settle is how long notifications must stop before the file is read,
	// so a writer that writes in several steps is read once, complete.
	Settle time.Duration
	// OnReload is called after every reload attempt that changed the table
	// or failed.
	OnReload func(err error)
	// PollOnly skips change notifications (for file systems that have none).
	PollOnly bool
	// OnWatchError is called when change notifications are unavailable
	// (polling still runs).
	OnWatchError func(err error)
}

// Watch reloads the file when it changes until stop is called. It watches
// the file's directory, so writers that rename a new file into place and
// Kubernetes ConfigMap volumes (which swap a symlink) are both seen. The
// notifications are set up before Watch returns.
func (f *File) Watch(o WatchOptions) (stop func()) {
	var w *fsnotify.Watcher
	if !o.PollOnly {
		var err error
		if w, err = fsnotify.NewWatcher(); err == nil {
			if err = w.Add(filepath.Dir(f.path)); err != nil {
				_ = w.Close() // the Add error is the one to report
				w = nil
			}
		}
		if err != nil && o.OnWatchError != nil {
			o.OnWatchError(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.watch(ctx, w, o)
	}()
	return func() {
		cancel()
		<-done
	}
}

func (f *File) watch(ctx context.Context, w *fsnotify.Watcher, o WatchOptions) {
	var events <-chan fsnotify.Event
	var errs <-chan error
	if w != nil {
		defer w.Close()
		events, errs = w.Events, w.Errors
	}
	var tick <-chan time.Time
	if o.Interval > 0 {
		t := time.NewTicker(o.Interval)
		defer t.Stop()
		tick = t.C
	}
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	reload := func() {
		changed, err := f.Reload()
		if (changed || err != nil) && o.OnReload != nil {
			o.OnReload(err)
		}
	}
	// A change between the load and the start of the watch is not lost.
	if f.Changed() {
		reload()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			settle.Reset(o.Settle)
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			if o.OnWatchError != nil && !errors.Is(err, fsnotify.ErrEventOverflow) {
				o.OnWatchError(err)
			}
			settle.Reset(o.Settle)
		case <-settle.C:
			reload() // identical content is recognised by its hash and skipped
		case <-tick:
			if f.Changed() {
				reload()
			}
		}
	}
}
