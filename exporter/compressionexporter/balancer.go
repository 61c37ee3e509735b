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
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
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
	attrs endpointAttrs
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
	cache    *ring.Cache // the keys' first endpoints, from 16 endpoints on
}

// pickCacheSlots bounds a view's cache of first endpoints: 16384 keys,
// 128 KiB.
const pickCacheSlots = 1 << 14

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
	// splitBufs are buffers for wire splits, reused once every part of a
	// request was delivered.
	splitBufs bufList
	wg        sync.WaitGroup // health checks and closing backends
}

func newBalancer(e *compressionExporter, set exporter.Settings, userAgent string, allowed []string) (*balancer, error) {
	cfg := &e.cfg.Endpoints
	b := &balancer{e: e, cfg: cfg, set: set, userAgent: userAgent, allowed: allowed, backends: map[string]*backend{},
		splitBufs: make(bufList, splitBufsKept)}
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
	v := &view{ring: r, backends: make([]*backend, r.Len()), cache: ring.NewCache(r, pickCacheSlots)}
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
		attrs: newEndpointAttrs(redact(name), b.e.signal),
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
		o.Observe(int64(be.br.State()), be.attrs.endpoint)
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
// trying rather than drop). The key's first endpoint comes from the view's
// cache when it has one; only a key whose first endpoint is not usable is
// ranked again.
func (p *picker) pick(k uint64) int {
	var primary int
	if p.v.cache != nil {
		primary = p.v.cache.Primary(k)
	} else {
		primary, _ = p.v.ring.Pick(k, nil)
	}
	if !p.anyOK || p.usable[primary] {
		return primary
	}
	c, _ := p.v.ring.Pick(k, func(i int) bool { return p.usable[i] })
	p.rerouted[c]++
	return c
}

// part is one endpoint's share of a request.
type part struct {
	dest    int
	raw     []byte                 // the marshalled part, or nil and marshal
	marshal func() ([]byte, error) // for a part split as pdata
	fail    func()                 // hands the part's data to the retry (calls are serialized)
}

// byTraceID reports whether traces and logs go by trace ID (split on the wire).
func (b *balancer) byTraceID() bool {
	return b.cfg.RoutingKey != routingService && b.cfg.RoutingKey != routingResource
}

func (b *balancer) pushTraces(ctx context.Context, td ptrace.Traces) error {
	v := b.view.Load()
	if len(v.backends) == 0 {
		return errNoEndpoints
	}
	p := newPicker(v)
	failed := ptrace.NewTraces()
	var parts []part
	var splitBuf *[]byte
	if b.byTraceID() {
		raw, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			return consumererror.NewPermanent(err)
		}
		dests, single := oneDest(td.SpanCount())
		if len(v.backends) > 1 {
			dests, single = traceDests(td, p.pick)
		}
		parts, splitBuf = b.wireParts(raw, dests, single, p, func(part []byte) {
			if t, uerr := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(part); uerr == nil {
				t.ResourceSpans().MoveAndAppendTo(failed.ResourceSpans())
			}
		})
		if parts == nil && single != -2 {
			p = newPicker(v) // the bytes did not split: route the pdata
		}
	}
	if parts == nil {
		for d, t := range tracesRoute(td, b.cfg.RoutingKey, p.pick) {
			parts = append(parts, part{dest: d,
				marshal: func() ([]byte, error) { return ptraceotlp.NewExportRequestFromTraces(t).MarshalProto() },
				fail:    func() { t.ResourceSpans().MoveAndAppendTo(failed.ResourceSpans()) }})
		}
	}
	sentRaw, err := b.sendParts(ctx, p, parts, b.e.tracesPartialSuccess)
	b.recycle(splitBuf, err, sentRaw)
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
	failed := pmetric.NewMetrics()
	var parts []part
	for d, m := range metricsRoute(md, b.cfg.RoutingKey, p.pick) {
		parts = append(parts, part{dest: d,
			marshal: func() ([]byte, error) { return pmetricotlp.NewExportRequestFromMetrics(m).MarshalProto() },
			fail:    func() { m.ResourceMetrics().MoveAndAppendTo(failed.ResourceMetrics()) }})
	}
	_, err := b.sendParts(ctx, p, parts, b.e.metricsPartialSuccess)
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
	var parts []part
	var splitBuf *[]byte
	if b.byTraceID() {
		raw, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
		if err != nil {
			return consumererror.NewPermanent(err)
		}
		dests, single := oneDest(ld.LogRecordCount())
		if len(v.backends) > 1 {
			dests, single = logDests(ld, p.pick)
		}
		parts, splitBuf = b.wireParts(raw, dests, single, p, func(part []byte) {
			if l, uerr := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(part); uerr == nil {
				l.ResourceLogs().MoveAndAppendTo(failed.ResourceLogs())
			}
		})
		if parts == nil && single != -2 {
			p = newPicker(v)
		}
	}
	if parts == nil {
		for d, l := range logsRoute(ld, b.cfg.RoutingKey, p.pick) {
			parts = append(parts, part{dest: d,
				marshal: func() ([]byte, error) { return plogotlp.NewExportRequestFromLogs(l).MarshalProto() },
				fail:    func() { l.ResourceLogs().MoveAndAppendTo(failed.ResourceLogs()) }})
		}
	}
	sentRaw, err := b.sendParts(ctx, p, parts, b.e.logsPartialSuccess)
	b.recycle(splitBuf, err, sentRaw)
	if err != nil && failed.LogRecordCount() > 0 {
		return consumererror.NewLogs(err, failed)
	}
	return err
}

// oneDest is the destination of n items when there is one endpoint.
func oneDest(n int) (dests []int32, single int) {
	if n == 0 {
		return nil, -2
	}
	return nil, 0
}

// wireParts turns a marshalled request whose items have the given
// destinations into parts: the request itself when every item goes to one
// endpoint, else the wire split, written into a pooled buffer that the
// caller hands back with recycle once no part is referenced any more. It
// returns nil when there are no items or the bytes do not split (the
// caller routes the pdata then).
func (b *balancer) wireParts(raw []byte, dests []int32, single int, p *picker, fail func([]byte)) (parts []part, buf *[]byte) {
	if single >= 0 {
		return []part{{dest: single, raw: raw, fail: func() { fail(raw) }}}, nil
	}
	if single == -2 {
		return nil, nil
	}
	buf = b.splitBufs.get()
	split, used, ok := wireSplit(raw, dests, len(p.v.backends), p.pick, *buf)
	if !ok {
		b.splitBufs.put(buf)
		return nil, nil
	}
	*buf = used
	parts = make([]part, 0, len(split))
	for d, w := range split {
		if w != nil {
			parts = append(parts, part{dest: d, raw: w, fail: func() { fail(w) }})
		}
	}
	return parts, buf
}

// splitBufsKept buffers of at most maxKeptSplitBuf bytes each are kept for
// wire splits between requests: at most 64 MiB, about four times a batch of
// 8,192 spans in practice.
const (
	splitBufsKept   = 4
	maxKeptSplitBuf = 16 << 20
)

// bufList keeps a few buffers across garbage collections, which empty a
// sync.Pool: at a few requests a second each split then zeroed a new
// buffer of the request's size.
type bufList chan *[]byte

func (l bufList) get() *[]byte {
	select {
	case buf := <-l:
		return buf
	default:
		return new([]byte)
	}
}

// put keeps buf unless the list is full or buf is larger than
// maxKeptSplitBuf.
func (l bufList) put(buf *[]byte) {
	if cap(*buf) > maxKeptSplitBuf {
		return
	}
	select {
	case l <- buf:
	default:
	}
}

// recycle returns a split buffer to the pool after a request whose every
// part was delivered compressed: a transport may still hold the body of a
// failed send, and an uncompressed part is sent as its own body (an HTTP
// transport may read a request body after the response arrived).
func (b *balancer) recycle(buf *[]byte, err error, sentRaw bool) {
	if buf != nil && err == nil && !sentRaw {
		b.splitBufs.put(buf)
	}
}

// sendParts sends every part and returns whether a part went out
// uncompressed (its bytes were the body) and the joined retryable errors;
// parts that failed retryably are handed to their fail function
// (serialized) for the consumererror. Parts rejected permanently are
// dropped and counted, and a permanent error is returned only when nothing
// is left to retry.
//
// The calling goroutine marshals (pdata parts), reserves the endpoint's
// breaker and compresses each part in turn, and starts its send on a
// goroutine of its own; it sends the last part itself. Compressing on one
// goroutine keeps the codec's state warm and measures the compression CPU
// with one thread lock for the whole request.
func (b *balancer) sendParts(ctx context.Context, p *picker, parts []part, partial func([]byte)) (sentRaw bool, err error) {
	var mu sync.Mutex
	var retryable, permanent []error
	done := func(pt part, perr error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case perr == nil:
		case consumererror.IsPermanent(perr):
			permanent = append(permanent, perr)
		default:
			retryable = append(retryable, perr)
			pt.fail()
		}
	}
	sent := func(pt part, enc *encoded, perr error) {
		mu.Lock()
		sentRaw = sentRaw || enc.wire == codec.None // after any codec fallback
		mu.Unlock()
		done(pt, perr)
	}
	var wg sync.WaitGroup
	allOpen := !p.anyOK
	var cpu policy.CPUMeter
	for i, pt := range parts {
		be := p.v.backends[pt.dest]
		if r := p.rerouted[pt.dest]; r > 0 {
			b.e.tb.ExporterCompressionEndpointReroutes.Add(ctx, int64(r), be.attrs.endpoint)
		}
		raw := pt.raw
		if raw == nil {
			var err error
			if raw, err = pt.marshal(); err != nil {
				done(pt, consumererror.NewPermanent(err))
				continue
			}
		}
		if err := b.reserve(be, allOpen); err != nil {
			done(pt, err)
			continue
		}
		enc := b.e.choose(be.neg, raw)
		took := cpu.Measure(func() { b.e.compress(be.tr, &enc) })
		b.e.compressed(ctx, &enc, took)
		if i == len(parts)-1 {
			cpu.Release()
			sent(pt, &enc, b.deliver(ctx, be, &enc, partial))
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent(pt, &enc, b.deliver(ctx, be, &enc, partial))
		}()
	}
	cpu.Release()
	wg.Wait()
	if len(retryable) > 0 {
		if len(permanent) > 0 {
			b.set.Logger.Error("Endpoint rejected part of a request; dropping that part", zap.Error(errors.Join(permanent...)))
		}
		return sentRaw, errors.Join(retryable...)
	}
	if len(permanent) > 0 {
		return sentRaw, consumererror.NewPermanent(errors.Join(permanent...))
	}
	return sentRaw, nil
}

// errBreakerOpen is returned for a part whose endpoint's breaker stopped
// letting requests through after the part was routed (its half-open probe
// slots were taken); the retry routes the part again.
var errBreakerOpen = errors.New("endpoint circuit breaker is open")

// reserve lets a part through the endpoint's breaker (taking a half-open
// probe slot; every part goes through when every breaker is open). The
// part's outcome must then be reported by deliver.
func (b *balancer) reserve(be *backend, allOpen bool) error {
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
	return nil
}

// deliver sends one compressed part to its endpoint and feeds the breaker.
func (b *balancer) deliver(ctx context.Context, be *backend, enc *encoded, partial func([]byte)) error {
	be.mu.RLock()
	if be.closed {
		be.mu.RUnlock()
		b.e.release(enc)
		be.br.Neutral()
		return fmt.Errorf("endpoint %s was removed", be.label)
	}
	err := b.e.deliver(ctx, be.tr, be.neg, enc, partial)
	be.mu.RUnlock()
	switch {
	case err == nil:
		be.br.Success()
		b.e.tb.ExporterCompressionEndpointRequests.Add(ctx, 1, be.attrs.requests[outcomeSuccess])
		b.e.tb.ExporterCompressionEndpointBytes.Add(ctx, int64(len(enc.raw)), be.attrs.endpoint)
		return nil
	case consumererror.IsPermanent(err):
		be.br.Success() // the endpoint answered: the data was bad, not the endpoint
		b.e.tb.ExporterCompressionEndpointRequests.Add(ctx, 1, be.attrs.requests[outcomePermanent])
		return err
	case endpointFault(err):
		be.br.Failure()
	default:
		be.br.Neutral()
	}
	b.e.tb.ExporterCompressionEndpointRequests.Add(ctx, 1, be.attrs.requests[outcomeFailure])
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
