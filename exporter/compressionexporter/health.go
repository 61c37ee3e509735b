package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/extension/samplingstateextension"
)

// HealthConfig publishes the exporter's view of its backend's health to a
// sampling_state extension, where adaptive_sampling's load_shedding reads it.
type HealthConfig struct {
	// SamplingState is the extension to publish to; unset: nothing is measured or published.
	SamplingState *component.ID `mapstructure:"sampling_state"`
	// PublishInterval is how often the signal is published; each publication
	// lives three intervals in the extension.
	PublishInterval time.Duration `mapstructure:"publish_interval"`
	// LatencyWeight is the weight of each export in the moving average of
	// export latency, in (0, 1].
	LatencyWeight float64 `mapstructure:"latency_weight"`
	// ErrorWindow is the window of the error rate. It is also the half-life
	// of the latency average while no export is in flight, so that an idle
	// exporter forgets a slow backend.
	ErrorWindow time.Duration `mapstructure:"error_window"`
}

func defaultHealthConfig() HealthConfig {
	return HealthConfig{PublishInterval: time.Second, LatencyWeight: 0.2, ErrorWindow: 10 * time.Second}
}

func (c *HealthConfig) validate() error {
	if c.SamplingState == nil {
		return nil
	}
	var errs []error
	if c.PublishInterval <= 0 {
		errs = append(errs, fmt.Errorf("health.publish_interval: must be positive (got %s)", c.PublishInterval))
	}
	if !(c.LatencyWeight > 0 && c.LatencyWeight <= 1) {
		errs = append(errs, fmt.Errorf("health.latency_weight: must be in (0, 1] (got %v)", c.LatencyWeight))
	}
	if c.ErrorWindow <= 0 {
		errs = append(errs, fmt.Errorf("health.error_window: must be positive (got %s)", c.ErrorWindow))
	}
	return errors.Join(errs...)
}

// healthMeter measures one exporter's export latency, error rate and sending
// queue fill and publishes them.
//
// The latency average is updated by every attempt. While no attempt is in
// flight it decays, halving every error_window from the end of the last one,
// so an exporter that stopped exporting does not keep reporting an old slow
// backend; an attempt in flight holds it (the backend has not answered yet).
//
// The sending queue belongs to exporterhelper, which does not tell the
// exporter its size; the meter estimates it. What enters is counted by the
// wrapped Consume* before the request is handed to the queue (a queue
// consumer may take it out before Consume returns) and taken back when the
// queue refuses it; what leaves is counted by the push function on a
// request's first attempt (a request picked up by a queue consumer has left
// the queue, as in exporterhelper's own queue_size; its retries are not
// counted again). Sizes are in the queue's sizer: requests, items, or bytes
// (the request's protobuf size). The fill ratio is the difference divided by
// queue_size, clamped to [0, 1]. Known approximations: with batching in the
// queue and the requests sizer, several requests leave as one and the fill is
// overestimated; requests restored from a persistent queue at start leave
// without having entered (the count never goes below zero).
type healthMeter struct {
	cfg       HealthConfig
	source    string
	logger    *zap.Logger
	queueSize int64 // 0: no sending queue
	sizer     exporterhelper.RequestSizerType
	retries   bool
	retryTTL  time.Duration // how long a request can be in retry
	now       func() time.Time

	queued atomic.Int64

	mu        sync.Mutex
	latency   float64 // EWMA, nanoseconds, as of idleSince when inFlight is 0
	hasLat    bool
	inFlight  int       // attempts started and not finished
	idleSince time.Time // end of the last attempt, when inFlight is 0
	winStart  time.Time
	cur, prev outcomes
	retrying  map[any]time.Time // requests whose last attempt failed transiently, by first attempt

	// openBreakerShare is the share of endpoints whose circuit breaker is
	// open (always 0 for an exporter with one configured endpoint).
	openBreakerShare func() float64

	health   samplingstateextension.Health
	stop     chan struct{}
	loopDone sync.WaitGroup
}

type outcomes struct{ ok, failed int64 }

// newHealthMeter returns nil when cfg.Health publishes nowhere.
func newHealthMeter(cfg *Config, set exporter.Settings, signal string) *healthMeter {
	if cfg.Health.SamplingState == nil {
		return nil
	}
	host, _ := os.Hostname()
	h := &healthMeter{
		cfg:              cfg.Health,
		source:           fmt.Sprintf("%s/%s/%s/%d", set.ID, signal, host, os.Getpid()),
		logger:           set.Logger,
		retries:          cfg.RetryConfig.Enabled,
		retryTTL:         cfg.RetryConfig.MaxElapsedTime + cfg.TimeoutConfig.Timeout + cfg.RetryConfig.MaxInterval,
		now:              time.Now,
		retrying:         map[any]time.Time{},
		openBreakerShare: func() float64 { return 0 },
	}
	if cfg.QueueConfig.HasValue() {
		q := cfg.QueueConfig.Get()
		h.queueSize, h.sizer = q.QueueSize, q.Sizer
	}
	h.winStart = h.now()
	return h
}

// withBreakers makes the meter report the share of e's endpoints whose circuit
// breaker is open.
func (h *healthMeter) withBreakers(e *compressionExporter) *healthMeter {
	if h != nil {
		h.openBreakerShare = e.OpenEndpointShare
	}
	return h
}

// entered counts n units handed to the sending queue.
func (h *healthMeter) entered(n int64) {
	if h.queueSize > 0 {
		h.queued.Add(n)
	}
}

// left counts n units taken out of the sending queue, never below zero.
func (h *healthMeter) left(n int64) {
	for {
		v := h.queued.Load()
		if h.queued.CompareAndSwap(v, max(v-n, 0)) {
			return
		}
	}
}

// decayed is the latency average after idle time without exports: halved
// every error window.
func (h *healthMeter) decayed(idle time.Duration) float64 {
	if idle <= 0 {
		return h.latency
	}
	return h.latency * math.Exp2(-float64(idle)/float64(h.cfg.ErrorWindow))
}

// begin records the start of an attempt and returns its start time.
func (h *healthMeter) begin() time.Time {
	start := h.now()
	h.mu.Lock()
	if h.inFlight == 0 && h.hasLat {
		h.latency = h.decayed(start.Sub(h.idleSince))
	}
	h.inFlight++
	h.mu.Unlock()
	return start
}

// attempt records one push of req (of size n), begun at start, that returned err.
func (h *healthMeter) attempt(req any, n int64, start time.Time, err error) {
	now := h.now()
	elapsed := float64(now.Sub(start))
	h.mu.Lock()
	defer h.mu.Unlock()
	h.inFlight--
	if h.inFlight == 0 {
		h.idleSince = now
	}
	if h.hasLat {
		h.latency += h.cfg.LatencyWeight * (elapsed - h.latency)
	} else {
		h.latency, h.hasLat = elapsed, true
	}
	h.rotate(now)
	if err != nil {
		h.cur.failed++
	} else {
		h.cur.ok++
	}
	if h.queueSize == 0 {
		return
	}
	if _, again := h.retrying[req]; !again {
		h.left(n)
	}
	if err != nil && h.retries && !consumererror.IsPermanent(err) {
		if _, again := h.retrying[req]; !again {
			h.retrying[req] = start
		}
	} else {
		delete(h.retrying, req)
	}
	// Requests whose retries ran out are dropped by exporterhelper without
	// the exporter knowing: forget them after the longest possible retry.
	for r, first := range h.retrying {
		if now.Sub(first) > h.retryTTL {
			delete(h.retrying, r)
		}
	}
}

// rotate starts a new error window when the current one is over (h.mu held).
func (h *healthMeter) rotate(now time.Time) {
	w := h.cfg.ErrorWindow
	switch since := now.Sub(h.winStart); {
	case since >= 2*w:
		h.prev, h.cur = outcomes{}, outcomes{}
		h.winStart = now
	case since >= w:
		h.prev, h.cur = h.cur, outcomes{}
		h.winStart = h.winStart.Add(w)
	}
}

// signal is the current health: the latency EWMA, the error rate over the
// current and the previous error window, the queue fill ratio.
func (h *healthMeter) signal() samplingstateextension.Signal {
	now := h.now()
	h.mu.Lock()
	h.rotate(now)
	lat := time.Duration(h.latency)
	if h.inFlight == 0 && h.hasLat {
		lat = time.Duration(h.decayed(now.Sub(h.idleSince)))
	}
	total := h.cur.ok + h.cur.failed + h.prev.ok + h.prev.failed
	failed := h.cur.failed + h.prev.failed
	h.mu.Unlock()
	s := samplingstateextension.Signal{LatencyEWMA: lat, OpenBreakerShare: h.openBreakerShare()}
	if total > 0 {
		s.ErrorRate = float64(failed) / float64(total)
	}
	if h.queueSize > 0 {
		s.QueueFill = min(float64(h.queued.Load())/float64(h.queueSize), 1)
	}
	return s
}

func (h *healthMeter) start(host component.Host) error {
	if h == nil {
		return nil
	}
	id := *h.cfg.SamplingState
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return fmt.Errorf("health.sampling_state: extension %q not found", id.String())
	}
	hp, ok := ext.(samplingstateextension.Health)
	if !ok {
		return fmt.Errorf("health.sampling_state: extension %q does not share backend health", id.String())
	}
	h.health = hp
	h.stop = make(chan struct{})
	h.loopDone.Add(1)
	go func() {
		defer h.loopDone.Done()
		t := time.NewTicker(h.cfg.PublishInterval)
		defer t.Stop()
		failing := false
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), h.cfg.PublishInterval)
				err := hp.PublishHealth(ctx, h.source, h.signal(), 3*h.cfg.PublishInterval)
				cancel()
				if err != nil && !failing {
					h.logger.Warn("Cannot publish backend health", zap.Error(err))
				} else if err == nil && failing {
					h.logger.Info("Publishing backend health again")
				}
				failing = err != nil
			}
		}
	}()
	return nil
}

func (h *healthMeter) shutdown() {
	if h == nil || h.stop == nil {
		return
	}
	close(h.stop)
	h.loopDone.Wait()
	h.stop = nil
}

// size returns the size of a request in the queue's sizer.
func (h *healthMeter) size(requests int, items func() int, bytes func() int) int64 {
	switch h.sizer {
	case exporterhelper.RequestSizerTypeItems:
		return int64(items())
	case exporterhelper.RequestSizerTypeBytes:
		return int64(bytes())
	default:
		return int64(requests)
	}
}

func (h *healthMeter) tracesSize(td ptrace.Traces) int64 {
	return h.size(1, td.SpanCount, func() int { return new(ptrace.ProtoMarshaler).TracesSize(td) })
}

func (h *healthMeter) metricsSize(md pmetric.Metrics) int64 {
	return h.size(1, md.DataPointCount, func() int { return new(pmetric.ProtoMarshaler).MetricsSize(md) })
}

func (h *healthMeter) logsSize(ld plog.Logs) int64 {
	return h.size(1, ld.LogRecordCount, func() int { return new(plog.ProtoMarshaler).LogsSize(ld) })
}

// measured wraps a push function: each call is one attempt of a request.
func measured[T comparable](h *healthMeter, push func(context.Context, T) error, size func(T) int64) func(context.Context, T) error {
	if h == nil {
		return push
	}
	return func(ctx context.Context, d T) error {
		n := int64(0)
		if h.queueSize > 0 {
			n = size(d)
		}
		start := h.begin()
		err := push(ctx, d)
		h.attempt(d, n, start, err)
		return err
	}
}

// The wrapped exporters count what enters the sending queue and start and
// stop the publication with the exporter.

type healthTraces struct {
	exporter.Traces
	h *healthMeter
}

func (w healthTraces) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	n := w.h.tracesSize(td)
	w.h.entered(n)
	err := w.Traces.ConsumeTraces(ctx, td)
	if err != nil {
		w.h.left(n)
	}
	return err
}

type healthMetrics struct {
	exporter.Metrics
	h *healthMeter
}

func (w healthMetrics) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	n := w.h.metricsSize(md)
	w.h.entered(n)
	err := w.Metrics.ConsumeMetrics(ctx, md)
	if err != nil {
		w.h.left(n)
	}
	return err
}

type healthLogs struct {
	exporter.Logs
	h *healthMeter
}

func (w healthLogs) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	n := w.h.logsSize(ld)
	w.h.entered(n)
	err := w.Logs.ConsumeLogs(ctx, ld)
	if err != nil {
		w.h.left(n)
	}
	return err
}

// startAfter starts the publication after the exporter; stopBefore stops it
// before the exporter drains its queue.
func (h *healthMeter) startAfter(ctx context.Context, host component.Host, inner component.Component) error {
	if err := inner.Start(ctx, host); err != nil {
		return err
	}
	return h.start(host)
}

func (h *healthMeter) stopBefore(ctx context.Context, inner component.Component) error {
	h.shutdown()
	return inner.Shutdown(ctx)
}

func (w healthTraces) Start(ctx context.Context, host component.Host) error {
	return w.h.startAfter(ctx, host, w.Traces)
}
func (w healthTraces) Shutdown(ctx context.Context) error { return w.h.stopBefore(ctx, w.Traces) }
func (w healthMetrics) Start(ctx context.Context, host component.Host) error {
	return w.h.startAfter(ctx, host, w.Metrics)
}
func (w healthMetrics) Shutdown(ctx context.Context) error { return w.h.stopBefore(ctx, w.Metrics) }
func (w healthLogs) Start(ctx context.Context, host component.Host) error {
	return w.h.startAfter(ctx, host, w.Logs)
}
func (w healthLogs) Shutdown(ctx context.Context) error { return w.h.stopBefore(ctx, w.Logs) }

// traces, metrics and logs wrap a created exporter (nil meter: unchanged).
func (h *healthMeter) traces(e exporter.Traces, err error) (exporter.Traces, error) {
	if h == nil || err != nil {
		return e, err
	}
	return healthTraces{e, h}, nil
}

func (h *healthMeter) metrics(e exporter.Metrics, err error) (exporter.Metrics, error) {
	if h == nil || err != nil {
		return e, err
	}
	return healthMetrics{e, h}, nil
}

func (h *healthMeter) logs(e exporter.Logs, err error) (exporter.Logs, error) {
	if h == nil || err != nil {
		return e, err
	}
	return healthLogs{e, h}, nil
}
