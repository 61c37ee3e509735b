package keyringextension // import "github.com/otelgate/otelgate/extension/keyringextension"

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/extension/keyringextension/internal/metadata"
	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
)

// Keyring is what the keyring extension offers other components, which find
// it through host.GetExtensions(). Ring returns the current key ring, an
// immutable snapshot: take it once per batch and use it throughout.
type Keyring interface {
	extension.Extension
	Ring() *keyring.Ring
}

var (
	outcomeSuccess = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "success")))
	outcomeFailure = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "failure")))
)

type keyringExtension struct {
	cfg       *Config
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder

	inline []*keyring.Key
	ring   atomic.Pointer[keyring.Ring]

	// reload state, guarded by mu
	mu       sync.Mutex
	lastHash [sha256.Size]byte
	lastErr  string

	stop chan struct{}
	done sync.WaitGroup
}

var _ Keyring = (*keyringExtension)(nil)

func newKeyringExtension(cfg *Config, set component.TelemetrySettings) (*keyringExtension, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	e := &keyringExtension{cfg: cfg, logger: set.Logger, telemetry: tb}
	for i, kc := range cfg.Keys {
		m, err := keyring.DecodeMaterial(string(kc.Key))
		if err != nil {
			return nil, fmt.Errorf("keys[%d].%w", i, err)
		}
		k, err := keyring.NewKey(kc.ID, m)
		clear(m)
		if err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		e.inline = append(e.inline, k)
	}
	return e, nil
}

// Ring returns the current key ring (nil before Start).
func (e *keyringExtension) Ring() *keyring.Ring { return e.ring.Load() }

func (e *keyringExtension) Start(_ context.Context, _ component.Host) error {
	var fileRing *keyring.Ring
	if e.cfg.File != "" {
		data, err := keyring.ReadFileBytes(e.cfg.File)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("key file %s does not exist; create one with: otelgate-keys generate --out %s", e.cfg.File, e.cfg.File)
		}
		if err != nil {
			return err
		}
		e.lastHash = sha256.Sum256(data)
		fileRing, err = keyring.Parse(data)
		clear(data)
		if err != nil {
			return fmt.Errorf("key file %s: %w", e.cfg.File, err)
		}
	}
	r, err := e.combine(fileRing)
	if err != nil {
		return err
	}
	e.ring.Store(r)
	e.logger.Info("key ring loaded", zap.Int("keys", len(r.IDs())), zap.String("active_key_id", r.Active().ID()))
	if err := e.telemetry.RegisterCallback(e.observe); err != nil {
		return err
	}
	if e.cfg.File != "" && e.cfg.PollInterval > 0 {
		e.stop = make(chan struct{})
		e.done.Add(1)
		go e.watch()
	}
	return nil
}

func (e *keyringExtension) Shutdown(context.Context) error {
	if e.stop != nil {
		close(e.stop)
		e.done.Wait()
		e.stop = nil
	}
	e.telemetry.Shutdown()
	return nil
}

// combine builds the ring of the file's keys and the configured keys.
func (e *keyringExtension) combine(fileRing *keyring.Ring) (*keyring.Ring, error) {
	var keys []*keyring.Key
	active := e.cfg.Active
	if fileRing != nil {
		keys = fileRing.Keys()
		if active == "" {
			active = fileRing.Active().ID()
		}
	}
	keys = append(keys, e.inline...)
	if active == "" && len(keys) == 1 {
		active = keys[0].ID()
	}
	r, err := keyring.NewRing(keys, active)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return r, nil
}

func (e *keyringExtension) observe(_ context.Context, o metric.Observer) error {
	r := e.ring.Load()
	if r == nil {
		return nil
	}
	o.ObserveInt64(e.telemetry.ExtensionKeyringKeys, int64(len(r.IDs())))
	o.ObserveInt64(e.telemetry.ExtensionKeyringActiveKey, 1, metric.WithAttributes(attribute.String("key_id", r.Active().ID())))
	return nil
}

// watch reloads the file on file system events in its directory and on
// every poll interval.
func (e *keyringExtension) watch() {
	defer e.done.Done()
	var events chan fsnotify.Event
	w, err := fsnotify.NewWatcher()
	if err == nil {
		if err = w.Add(filepath.Dir(e.cfg.File)); err != nil {
			_ = w.Close()
		}
	}
	if err != nil {
		e.logger.Warn("cannot watch the key file directory, polling only", zap.String("file", e.cfg.File), zap.Error(err))
	} else {
		defer w.Close()
		events = w.Events
		go func() {
			for range w.Errors { // drain
			}
		}()
	}
	ticker := time.NewTicker(e.cfg.PollInterval)
	defer ticker.Stop()
	for {
		select {
		case <-e.stop:
			return
		case _, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			e.reload()
		case <-ticker.C:
			e.reload()
		}
	}
}

// reload reads the file and swaps the ring when its content changed. A file
// that cannot be read or parsed keeps the current ring; the failure is logged
// and counted once per distinct failure.
func (e *keyringExtension) reload() {
	e.mu.Lock()
	defer e.mu.Unlock()
	data, err := keyring.ReadFileBytes(e.cfg.File)
	var r *keyring.Ring
	if err == nil {
		h := sha256.Sum256(data)
		if bytes.Equal(h[:], e.lastHash[:]) {
			clear(data)
			return
		}
		e.lastHash = h
		var fileRing *keyring.Ring
		fileRing, err = keyring.Parse(data)
		clear(data)
		if err == nil {
			r, err = e.combine(fileRing)
		} else {
			err = fmt.Errorf("key file %s: %w", e.cfg.File, err)
		}
	}
	if err != nil {
		if err.Error() != e.lastErr {
			e.lastErr = err.Error()
			e.telemetry.ExtensionKeyringReloads.Add(context.Background(), 1, outcomeFailure)
			e.logger.Error("key ring reload failed, keeping the previous key ring", zap.Error(err))
		}
		return
	}
	e.lastErr = ""
	e.ring.Store(r)
	e.telemetry.ExtensionKeyringReloads.Add(context.Background(), 1, outcomeSuccess)
	e.logger.Info("key ring reloaded", zap.Int("keys", len(r.IDs())), zap.String("active_key_id", r.Active().ID()))
}

// errNotStarted is returned to processors that look for the ring too early.
var errNotStarted = errors.New("keyring extension not started")

// RingOf returns the current ring of a keyring extension found among the
// host's extensions.
func RingOf(host component.Host, id component.ID) (Keyring, error) {
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, fmt.Errorf("keyring: extension %q not found (add it to service.extensions)", id)
	}
	kr, ok := ext.(Keyring)
	if !ok {
		return nil, fmt.Errorf("keyring: extension %q is not a keyring extension", id)
	}
	if kr.Ring() == nil {
		return nil, fmt.Errorf("keyring: extension %q: %w", id, errNotStarted)
	}
	return kr, nil
}
