package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/breaker"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/resolver"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/ring"
)

// errNoEndpoints is retryable: the queue keeps the data until a resolver
// reports an endpoint.
var errNoEndpoints = errors.New("no endpoints resolved yet")

// backend is one resolved endpoint: its own transport, codec negotiation
// and circuit breaker.
type backend struct {
	name  string // as resolved; also the ring member
	label string // for telemetry and logs, credentials redacted
	tr    transport
	neg   *negotiation
	br    *breaker.Breaker
	// mu is held for reading by every send and for writing to close, so a
	// removed endpoint finishes its in-flight requests before its
	// connection closes.
	mu     sync.RWMutex
	closed bool
	stop   chan struct{} // stops the health check
}

// view is the current endpoint set: the ring and its backends, index-aligned.
type view struct {
	ring     *ring.Ring
	backends []*backend
}

// balancer routes each request at dequeue time (inside the push function
// behind the exporter's one queue): split by routing key, each part to the
// highest-ranked endpoint of its key whose breaker is not open. Failed
// parts are returned in a consumererror so the retry re-sends only them.
type balancer struct {
	e         *compressionExporter
	cfg       *EndpointsConfig
	set       exporter.Settings
	userAgent string
	allowed   []string
	res       resolver.Resolver
	// transportFor builds an endpoint's transport (newTransport; benchmarks
	// replace it).
	transportFor func(endpoint string) transport

	mu       sync.Mutex // guards backends, host, stopped
	backends map[string]*backend
	host     component.Host
	stopped  bool
	view     atomic.Pointer[view]
	wg       sync.WaitGroup // health checks and closing backends
}

func newBalancer(e *compressionExporter, set exporter.Settings, userAgent string, allowed []string) (*balancer, error) {
	cfg := &e.cfg.Endpoints
	b := &balancer{e: e, cfg: cfg, set: set, userAgent: userAgent, allowed: allowed, backends: map[string]*backend{}}
	b.transportFor = func(endpoint string) transport {
		return newTransport(e.cfg, set.TelemetrySettings, userAgent, endpoint)
	}
	b.view.Store(&view{ring: ring.New(nil)})
	switch {
	case cfg.File.HasValue():
		f := cfg.File.Get()
		b.res = &resolver.File{Path: f.Path, PollInterval: f.PollInterval, Debounce: f.Debounce, Logger: set.Logger}
	case cfg.DNS.HasValue():
		d := cfg.DNS.Get()
		b.res = &resolver.DNS{Hostname: d.Hostname, Port: d.Port, SRV: d.RecordType == "SRV", Interval: d.Interval, Timeout: d.Timeout, Logger: set.Logger}
	default:
		b.res = resolver.Static{Endpoints: cfg.Static}
	}
	if err := e.tb.RegisterExporterCompressionEndpointBreakerStateCallback(b.observeStates); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *balancer) start(_ context.Context, host component.Host) error {
	b.mu.Lock()
	b.host = host
	b.mu.Unlock()
	return b.res.Start(b.update)
}

func (b *balancer) shutdown(ctx context.Context) error {
	b.res.Shutdown()
	b.mu.Lock()
	b.stopped = true
	all := b.backends
	b.backends = map[string]*backend{}
	b.mu.Unlock()
	b.view.Store(&view{ring: ring.New(nil)})
	var errs []error
	for _, be := range all {
		errs = append(errs, b.closeBackend(ctx, be))
	}
	b.wg.Wait()
	return errors.Join(errs...)
}

// update installs a new endpoint set. It runs on the resolver's goroutine;
// sends read the view without locking, so neither waits for the other.
func (b *balancer) update(names []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return
	}
	keep := map[string]*backend{}
	var members []string
	for _, n := range names {
		name := b.endpointName(n)
		if _, dup := keep[name]; dup {
			continue
		}
		be, ok := b.backends[name]
		if !ok {
			var err error
			if be, err = b.newBackend(name); err != nil {
				b.set.Logger.Error("Cannot start endpoint; leaving it out", zap.String("endpoint", redact(name)), zap.Error(err))
				continue
			}
		}
		keep[name] = be
		members = append(members, name)
	}
	r := ring.New(members)
	v := &view{ring: r, backends: make([]*backend, r.Len())}
	for i, n := range r.Names() {
		v.backends[i] = keep[n]
	}
	b.view.Store(v)
	for name, be := range b.backends {
		if _, ok := keep[name]; !ok {
			b.wg.Add(1)
			go func() {
				defer b.wg.Done()
				_ = b.closeBackend(context.Background(), be)
			}()
		}
	}
	b.backends = keep
	b.set.Logger.Info("Endpoints updated", zap.Strings("endpoints", redactAll(r.Names())), zap.String("signal", b.e.signal))
}

// endpointName turns a resolved host:port into the transport's endpoint.
func (b *balancer) endpointName(n string) string {
	if b.e.cfg.Protocol != protocolHTTP || strings.HasPrefix(n, "http://") || strings.HasPrefix(n, "https://") {
		return n
	}
	return b.cfg.Scheme + "://" + n
}

func (b *balancer) newBackend(name string) (*backend, error) {
	tr := b.transportFor(name)
	if err := tr.start(context.Background(), b.host); err != nil {
		return nil, err
	}
	be := &backend{
		name:  name,
		label: redact(name),
		tr:    tr,
		neg:   negotiationFor(b.e.cfg.Protocol+"|"+name, b.allowed),
		stop:  make(chan struct{}),
	}
	cb := b.cfg.CircuitBreaker
	be.br = breaker.New(breaker.Settings{FailureThreshold: cb.FailureThreshold, CoolDown: cb.CoolDown, HalfOpenProbes: cb.HalfOpenProbes},
		func(from, to breaker.State) {
			b.e.tb.ExporterCompressionEndpointBreakerTransitions.Add(context.Background(), 1, metric.WithAttributes(
				attribute.String("endpoint", be.label), attribute.String("signal", b.e.signal),
				attribute.String("from", from.String()), attribute.String("to", to.String())))
			b.set.Logger.Info("Endpoint circuit breaker changed", zap.String("endpoint", be.label),
				zap.String("signal", b.e.signal), zap.String("from", from.String()), zap.String("to", to.String()))
		})
	if b.cfg.HealthCheck.Enabled {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.healthCheck(be)
		}()
	}
	return be, nil
}

func (b *balancer) closeBackend(ctx context.Context, be *backend) error {
	close(be.stop)
	be.mu.Lock()
	defer be.mu.Unlock()
	be.closed = true
	return be.tr.shutdown(ctx)
}

// OpenShare returns the share of resolved endpoints whose breaker is open
// (0 with no endpoints): a backend-health signal.
func (b *balancer) OpenShare() float64 {
	v := b.view.Load()
	if len(v.backends) == 0 {
		return 0
	}
	open := 0
	for _, be := range v.backends {
		if be.br.State() == breaker.Open {
			open++
		}
	}
	return float64(open) / float64(len(v.backends))
}

func (b *balancer) observeStates(_ context.Context, o metric.Int64Observer) error {
	for _, be := range b.view.Load().backends {
		o.Observe(int64(be.br.State()), metric.WithAttributes(attribute.String("endpoint", be.label), attribute.String("signal", b.e.signal)))
	}
	return nil
}

// picker snapshots which backends are usable (one breaker lookup per
// backend per request) and picks per key hash.
type picker struct {
	v        *view
	usable   []bool
	anyOK    bool
	rerouted []int // items per destination that are not on their key's primary
}

func newPicker(v *view) *picker {
	p := &picker{v: v, usable: make([]bool, len(v.backends)), rerouted: make([]int, len(v.backends))}
	for i, be := range v.backends {
		p.usable[i] = be.br.Usable()
		p.anyOK = p.anyOK || p.usable[i]
	}
	return p
}

// pick returns the key's first endpoint whose breaker lets requests
// through; when every breaker is open, the key's first endpoint (keep
// trying rather than drop).
func (p *picker) pick(k uint64) int {
	if !p.anyOK {
		c, _ := p.v.ring.Pick(k, nil)
		return c
	}
	c, primary := p.v.ring.Pick(k, func(i int) bool { return p.usable[i] })
	if c != primary {
		p.rerouted[c]++
	}
	return c
}

func (b *balancer) pushTraces(ctx context.Context, td ptrace.Traces) error {
	v := b.view.Load()
	if len(v.backends) == 0 {
		return errNoEndpoints
	}
	p := newPicker(v)
	failed := ptrace.NewTraces()
	if b.cfg.RoutingKey != routingService && b.cfg.RoutingKey != routingResource {
		// By trace ID: split the marshalled request, not the pdata.
		raw, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			return consumererror.NewPermanent(err)
		}
		if parts, ok := wireSplitByTraceID(raw, spanTraceIDField, p.pick); ok {
			err := b.sendParts(ctx, p, len(parts), func(send func(int, func() ([]byte, error), func([]byte), func())) {
				for d, part := range parts {
					send(d, func() ([]byte, error) { return part, nil }, b.e.tracesPartialSuccess, func() {
						if t, uerr := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(part); uerr == nil {
							t.ResourceSpans().MoveAndAppendTo(failed.ResourceSpans())
						}
					})
				}
			})
			if err != nil && failed.SpanCount() > 0 {
				return consumererror.NewTraces(err, failed)
			}
			return err
		}
		p = newPicker(v) // the bytes did not parse: route the pdata
	}
	parts := tracesRoute(td, b.cfg.RoutingKey, p.pick)
	err := b.sendParts(ctx, p, len(parts), func(send func(int, func() ([]byte, error), func([]byte), func())) {
		for d, part := range parts {
			send(d, func() ([]byte, error) { return ptraceotlp.NewExportRequestFromTraces(part).MarshalProto() },
				b.e.tracesPartialSuccess, func() { part.ResourceSpans().MoveAndAppendTo(failed.ResourceSpans()) })
		}
	})
	if err != nil && failed.SpanCount() > 0 {
		return consumererror.NewTraces(err, failed)
	}
	return err
}

func (b *balancer) pushMetrics(ctx context.Context, md pmetric.Metrics) error {
	v := b.view.Load()
	if len(v.backends) == 0 {
		return errNoEndpoints
	}
	p := newPicker(v)
	parts := metricsRoute(md, b.cfg.RoutingKey, p.pick)
	failed := pmetric.NewMetrics()
	err := b.sendParts(ctx, p, len(parts), func(send func(int, func() ([]byte, error), func([]byte), func())) {
		for d, part := range parts {
			send(d, func() ([]byte, error) { return pmetricotlp.NewExportRequestFromMetrics(part).MarshalProto() },
				b.e.metricsPartialSuccess, func() { part.ResourceMetrics().MoveAndAppendTo(failed.ResourceMetrics()) })
		}
	})
	if err != nil && failed.ResourceMetrics().Len() > 0 {
		return consumererror.NewMetrics(err, failed)
	}
	return err
}

func (b *balancer) pushLogs(ctx context.Context, ld plog.Logs) error {
	v := b.view.Load()
	if len(v.backends) == 0 {
		return errNoEndpoints
	}
	p := newPicker(v)
	failed := plog.NewLogs()
	if b.cfg.RoutingKey != routingService && b.cfg.RoutingKey != routingResource {
		raw, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
		if err != nil {
			return consumererror.NewPermanent(err)
		}
		if parts, ok := wireSplitByTraceID(raw, logTraceIDField, p.pick); ok {
			err := b.sendParts(ctx, p, len(parts), func(send func(int, func() ([]byte, error), func([]byte), func())) {
				for d, part := range parts {
					send(d, func() ([]byte, error) { return part, nil }, b.e.logsPartialSuccess, func() {
						if l, uerr := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(part); uerr == nil {
							l.ResourceLogs().MoveAndAppendTo(failed.ResourceLogs())
						}
					})
				}
			})
			if err != nil && failed.LogRecordCount() > 0 {
				return consumererror.NewLogs(err, failed)
			}
			return err
		}
		p = newPicker(v)
	}
	parts := logsRoute(ld, b.cfg.RoutingKey, p.pick)
	err := b.sendParts(ctx, p, len(parts), func(send func(int, func() ([]byte, error), func([]byte), func())) {
		for d, part := range parts {
			send(d, func() ([]byte, error) { return plogotlp.NewExportRequestFromLogs(part).MarshalProto() },
				b.e.logsPartialSuccess, func() { part.ResourceLogs().MoveAndAppendTo(failed.ResourceLogs()) })
		}
	})
	if err != nil && failed.LogRecordCount() > 0 {
		return consumererror.NewLogs(err, failed)
	}
	return err
}

// sendParts sends every part (concurrently when there are several) and
// returns the joined retryable errors; parts that failed retryably are
// handed to their fail function (serialized) for the consumererror. Parts
// rejected permanently are dropped and counted, and a permanent error is
// returned only when nothing is left to retry.
func (b *balancer) sendParts(ctx context.Context, p *picker, n int, each func(send func(d int, marshal func() ([]byte, error), partial func([]byte), fail func()))) error {
	var mu sync.Mutex
	var retryable, permanent []error
	var wg sync.WaitGroup
	send := func(d int, marshal func() ([]byte, error), partial func([]byte), fail func()) {
		be := p.v.backends[d]
		if r := p.rerouted[d]; r > 0 {
			b.e.tb.ExporterCompressionEndpointReroutes.Add(ctx, int64(r), metric.WithAttributes(
				attribute.String("endpoint", be.label), attribute.String("signal", b.e.signal)))
		}
		run := func() {
			err := b.sendOne(ctx, be, !p.anyOK, marshal, partial)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
			case consumererror.IsPermanent(err):
				permanent = append(permanent, err)
			default:
				retryable = append(retryable, err)
				fail()
			}
		}
		if n == 1 {
			run()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			run()
		}()
	}
	each(send)
	wg.Wait()
	if len(retryable) > 0 {
		if len(permanent) > 0 {
			b.set.Logger.Error("Endpoint rejected part of a request; dropping that part", zap.Error(errors.Join(permanent...)))
		}
		return errors.Join(retryable...)
	}
	if len(permanent) > 0 {
		return consumererror.NewPermanent(errors.Join(permanent...))
	}
	return nil
}

// errBreakerOpen is returned for a part whose endpoint's breaker stopped
// letting requests through after the part was routed (its half-open probe
// slots were taken); the retry routes the part again.
var errBreakerOpen = errors.New("endpoint circuit breaker is open")

// sendOne sends one part to one endpoint and feeds the breaker.
func (b *balancer) sendOne(ctx context.Context, be *backend, allOpen bool, marshal func() ([]byte, error), partial func([]byte)) error {
	raw, err := marshal()
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	probing := be.br.State() != breaker.Closed
	if !allOpen && !be.br.Allow() {
		return fmt.Errorf("%s: %w", be.label, errBreakerOpen)
	}
	if probing {
		// gRPC backs off reconnecting to an endpoint that was down (up to
		// two minutes); a probe must find out whether it is back now.
		if g, ok := be.tr.(*grpcTransport); ok && g.conn != nil {
			g.conn.ResetConnectBackoff()
		}
	}
	attrs := func(outcome string) metric.AddOption {
		return metric.WithAttributes(attribute.String("endpoint", be.label), attribute.String("signal", b.e.signal), attribute.String("outcome", outcome))
	}
	be.mu.RLock()
	if be.closed {
		be.mu.RUnlock()
		be.br.Neutral()
		return fmt.Errorf("endpoint %s was removed", be.label)
	}
	err = b.e.exportTo(ctx, be.tr, be.neg, raw, partial)
	be.mu.RUnlock()
	switch {
	case err == nil:
		be.br.Success()
		b.e.tb.ExporterCompressionEndpointRequests.Add(ctx, 1, attrs("success"))
		b.e.tb.ExporterCompressionEndpointBytes.Add(ctx, int64(len(raw)), metric.WithAttributes(
			attribute.String("endpoint", be.label), attribute.String("signal", b.e.signal)))
		return nil
	case consumererror.IsPermanent(err):
		be.br.Success() // the endpoint answered: the data was bad, not the endpoint
		b.e.tb.ExporterCompressionEndpointRequests.Add(ctx, 1, attrs("permanent"))
		return err
	case endpointFault(err):
		be.br.Failure()
	default:
		be.br.Neutral()
	}
	b.e.tb.ExporterCompressionEndpointRequests.Add(ctx, 1, attrs("failure"))
	return fmt.Errorf("%s: %w", be.label, err)
}

// endpointFault reports whether a retryable error is the endpoint's fault
// (unavailable, refused, reset, deadline exceeded, 502/503/504) and so
// counts toward opening its breaker. Throttling and cancellation do not.
func endpointFault(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	if se, ok := errors.AsType[*httpStatusError](err); ok {
		return se.code == 502 || se.code == 503 || se.code == 504
	}
	if st, ok := status.FromError(err); ok {
		return st.Code() == codes.Unavailable || st.Code() == codes.DeadlineExceeded
	}
	_, isNet := errors.AsType[net.Error](err)
	return isNet
}

// redact removes credentials from an endpoint URL.
func redact(name string) string {
	if !strings.Contains(name, "://") {
		return name
	}
	u, err := neturl.Parse(name)
	if err != nil {
		return "(unparsable endpoint)"
	}
	return u.Redacted()
}

func redactAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = redact(n)
	}
	return out
}

// OpenEndpointShare returns the share of the exporter's resolved endpoints
// whose circuit breaker is open: 0 when every endpoint takes requests (or
// the exporter sends to one configured endpoint), 1 when none does.
func (e *compressionExporter) OpenEndpointShare() float64 {
	if e.lb == nil {
		return 0
	}
	return e.lb.OpenShare()
}
