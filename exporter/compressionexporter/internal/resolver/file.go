package resolver

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"
	yaml "go.yaml.in/yaml/v3"
)

// FileEntry is one endpoint of a file resolver's list.
type FileEntry struct {
	Endpoint string `yaml:"endpoint" json:"endpoint"`
	// Ready: false keeps the endpoint out of the set (not yet serving, or
	// draining); an entry without the flag is ready.
	Ready *bool `yaml:"ready" json:"ready"`
}

// ParseFile reads a YAML (or JSON, a subset) list of entries and returns
// the ready endpoints.
func ParseFile(data []byte) ([]string, error) {
	var entries []FileEntry
	if err := yaml.Unmarshal(data, &entries); err != nil {
		return nil, err
	}
	var out []string
	for i, e := range entries {
		if e.Endpoint == "" {
			return nil, fmt.Errorf("entry %d: endpoint must not be empty", i)
		}
		if e.Ready == nil || *e.Ready {
			out = append(out, e.Endpoint)
		}
	}
	return normalize(out), nil
}

// File watches a list in a file. It reads the file every PollInterval,
// following symlinks and renames (a Kubernetes ConfigMap swaps a symlink to
// a new directory), and applies a change once the content has stayed the
// same for Debounce. A file that is missing or does not parse keeps the
// last good set.
type File struct {
	Path         string
	PollInterval time.Duration
	Debounce     time.Duration
	Logger       *zap.Logger

	stop chan struct{}
	wg   sync.WaitGroup
}

// Start reads the file once (a missing or bad file at start is an error)
// and watches it.
func (f *File) Start(update func([]string)) error {
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return err
	}
	set, err := ParseFile(data)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	update(set)
	f.stop = make(chan struct{})
	f.wg.Add(1)
	go f.watch(data, set, update)
	return nil
}

func (f *File) watch(applied []byte, appliedSet []string, update func([]string)) {
	defer f.wg.Done()
	tick := time.NewTicker(f.PollInterval)
	defer tick.Stop()
	var pending []byte // content seen but not applied yet
	var pendingSince time.Time
	for {
		select {
		case <-f.stop:
			return
		case <-tick.C:
		}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) || pending != nil {
				f.Logger.Warn("Cannot read the endpoints file; keeping the last set", zap.String("path", f.Path), zap.Error(err))
			}
			pending = nil
			continue
		}
		if bytes.Equal(data, applied) {
			pending = nil
			continue
		}
		if !bytes.Equal(data, pending) {
			pending, pendingSince = data, time.Now()
		}
		if time.Since(pendingSince) < f.Debounce {
			continue
		}
		set, err := ParseFile(data)
		if err != nil {
			f.Logger.Warn("Bad endpoints file; keeping the last set", zap.String("path", f.Path), zap.Error(err))
			applied, pending = data, nil
			continue
		}
		applied, pending = data, nil
		if !slices.Equal(set, appliedSet) {
			appliedSet = set
			update(set)
		}
	}
}

// Shutdown stops watching.
func (f *File) Shutdown() {
	if f.stop != nil {
		close(f.stop)
		f.wg.Wait()
		f.stop = nil
	}
}
