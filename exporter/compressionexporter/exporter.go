package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

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

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/metadata"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
)

// transport sends one marshalled, encoded request and returns the response body.
type transport interface {
	start(context.Context, component.Host) error
	shutdown(context.Context) error
	// carries reports whether the wire codec can be sent on this transport.
	carries(wireCodec string) bool
	// format returns the codec whose output the wire codec expects.
	format(wireCodec string) string
	send(ctx context.Context, signal string, body []byte, wireCodec string) ([]byte, error)
}

// compressionExporter exports one signal: marshal, choose a codec, compress,
// send, fall back on codec rejection.
type compressionExporter struct {
	cfg      *Config
	signal   string
	logger   *zap.Logger
	tr       transport
	policy   policy.Policy // what Choose is asked
	base     policy.Policy // the policy without min_size, for the choice gauge
	adaptive *policy.Adaptive
	neg      *negotiation
	lb       *balancer // with endpoints: routes to resolved endpoints; tr is then only a template
	tb       *metadata.TelemetryBuilder
	attrs    exporterAttrs // attribute sets of the exporter's own metrics, built once
	bufs     sync.Pool     // *[]byte compression buffers
	stop     chan struct{}
	wg       sync.WaitGroup
}

func newExporter(cfg *Config, set exporter.Settings, signal string) (*compressionExporter, error) {
	userAgent := fmt.Sprintf("%s/%s (%s/%s)", set.BuildInfo.Description, set.BuildInfo.Version, runtime.GOOS, runtime.GOARCH)
	tr := newTransport(cfg, set.TelemetrySettings, userAgent, "")
	var allowed []string
	for _, c := range cfg.allowed() {
		if tr.carries(c) {
			allowed = append(allowed, c)
		}
	}
	e := &compressionExporter{
		cfg:    cfg,
		signal: signal,
		logger: set.Logger,
		tr:     tr,
		neg:    negotiationFor(cfg.Protocol+"|"+cfg.endpoint(), allowed),
		attrs:  newExporterAttrs(signal),
		stop:   make(chan struct{}),
	}
	switch cfg.Policy {
	case policyStatic:
		c, l := cfg.Static.resolved()
		e.base = policy.Static{Codec: c, Level: l}
	case policyBySignal:
		bs := policy.BySignal{}
		for sig, cc := range map[string]CodecConfig{policy.Traces: cfg.BySignal.Traces, policy.Metrics: cfg.BySignal.Metrics, policy.Logs: cfg.BySignal.Logs} {
			c, l := cc.resolved()
			bs[sig] = policy.Static{Codec: c, Level: l}
		}
		e.base = bs
	default:
		c, l := cfg.Adaptive.Initial.resolved()
		e.adaptive = policy.NewAdaptive(policy.AdaptiveSettings{
			Candidates:         candidates(cfg, allowed),
			Initial:            policy.Candidate{Codec: c, Level: l},
			LinkBytesPerSecond: cfg.Adaptive.LinkBytesPerSecond,
			SampleShare:        cfg.Adaptive.SampleShare,
			SampleMinBytes:     cfg.Adaptive.SampleMinBytes,
			SampleMaxBytes:     cfg.Adaptive.SampleMaxBytes,
			Usable:             e.neg.usable,
			Format:             tr.format,
			CPUNoise:           cfg.Adaptive.CPUTimeNoise,
			TrialBudget:        cfg.Adaptive.TrialCPUBudget,
			Margin:             cfg.Adaptive.CandidateMargin,
			FullEvery:          cfg.Adaptive.FullTrialEvery,
			MaxBackoff:         cfg.Adaptive.MaxBackoff,
		})
		e.base = e.adaptive
	}
	e.policy = e.base
	if cfg.MinSize > 0 {
		e.policy = policy.MinSize{Bytes: cfg.MinSize, Next: e.base}
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e.tb = tb
	if cfg.balanced() {
		if e.lb, err = newBalancer(e, set, userAgent, allowed); err != nil {
			return nil, err
		}
	}
	if err := tb.RegisterExporterCompressionChoiceCallback(e.observeChoice); err != nil {
		return nil, err
	}
	if e.adaptive != nil {
		if err := tb.RegisterExporterCompressionLinkThroughputCallback(func(_ context.Context, o metric.Float64Observer) error {
			o.Observe(e.adaptive.LinkRate(), metric.WithAttributes(attribute.String("signal", e.signal)))
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// newTransport returns the transport of the configured protocol; a
// non-empty endpoint replaces the configured one in a copy of the settings.
func newTransport(cfg *Config, set component.TelemetrySettings, userAgent, endpoint string) transport {
	if cfg.Protocol == protocolHTTP {
		hc := &cfg.HTTP
		if endpoint != "" {
			c := cfg.HTTP
			c.Endpoint = endpoint
			hc = &c
		}
		return &httpTransport{cfg: hc, acceptBrotli: cfg.AcceptBrotli, settings: set, userAgent: userAgent}
	}
	gc := &cfg.GRPC
	if endpoint != "" {
		c := cfg.GRPC
		c.Endpoint = endpoint
		gc = &c
	}
	return &grpcTransport{cfg: gc, settings: set, userAgent: userAgent}
}

// candidates lists the adaptive policy's candidates: each allowed codec at
// each configured level.
func candidates(cfg *Config, allowed []string) []policy.Candidate {
	var out []policy.Candidate
	for _, c := range allowed {
		levels, ok := cfg.Adaptive.Levels[c]
		if !ok {
			for name, l := range cfg.Adaptive.Levels {
				if codec.Canonical(name) == c {
					levels, ok = l, true
				}
			}
		}
		if !ok {
			levels = defaultLevels[c]
		}
		if len(levels) == 0 {
			cd, _ := codec.Lookup(c)
			_, _, def := cd.Levels()
			levels = []int{def}
		}
		for _, l := range levels {
			out = append(out, policy.Candidate{Codec: c, Level: l})
		}
	}
	return out
}

func (e *compressionExporter) start(ctx context.Context, host component.Host) error {
	if e.lb != nil {
		if err := e.lb.start(ctx, host); err != nil {
			return err
		}
	} else if err := e.tr.start(ctx, host); err != nil {
		return err
	}
	if e.adaptive != nil {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.adaptive.Run(e.cfg.Adaptive.EvaluationInterval, e.stop, e.reportDecisions)
		}()
	}
	return nil
}

func (e *compressionExporter) shutdown(ctx context.Context) error {
	select {
	case <-e.stop:
	default:
		close(e.stop)
	}
	e.wg.Wait()
	e.tb.Shutdown()
	if e.lb != nil {
		return e.lb.shutdown(ctx)
	}
	return e.tr.shutdown(ctx)
}

// reportDecisions logs each adaptive decision and counts the trials' CPU time.
func (e *compressionExporter) reportDecisions(ds []policy.Decision) {
	for _, d := range ds {
		if d.Signal != e.signal {
			continue
		}
		fields := []zap.Field{zap.String("signal", d.Signal), zap.String("choice", d.Choice.Key()),
			zap.String("reason", d.Choice.Reason), zap.Float64("link_bytes_per_second", d.LinkBytesPerSecond)}
		countCPU := func(t policy.Trial) {
			e.tb.ExporterCompressionCPUTime.Add(context.Background(), t.CPU.Seconds(), metric.WithAttributes(
				attribute.String("codec", t.Codec), attribute.String("phase", "trial")))
		}
		for _, t := range d.Probes {
			countCPU(t)
		}
		for _, t := range d.Trials {
			countCPU(t)
			fields = append(fields, zap.String(t.Codec+":"+strconv.Itoa(t.Level),
				fmt.Sprintf("ratio=%.2f cpu=%s", float64(t.InBytes)/float64(max(t.OutBytes, 1)), t.CPU)))
		}
		e.logger.Debug("Adaptive compression evaluated", fields...)
	}
}

func (e *compressionExporter) observeChoice(_ context.Context, o metric.Int64Observer) error {
	ch := e.base.Choose(e.signal, e.cfg.MinSize)
	if resolved := e.neg.resolve(ch.Codec); resolved != ch.Codec {
		ch = policy.Choice{Codec: resolved, Level: defaultLevel(resolved), Reason: policy.ReasonFallback}
	}
	o.Observe(1, metric.WithAttributes(attribute.String("signal", e.signal), attribute.String("codec", ch.Codec),
		attribute.Int("level", ch.Level), attribute.String("reason", ch.Reason)))
	return nil
}

func defaultLevel(c string) int {
	cd, ok := codec.Lookup(c)
	if !ok {
		return 0
	}
	_, _, def := cd.Levels()
	return def
}

func (e *compressionExporter) pushTraces(ctx context.Context, td ptrace.Traces) error {
	raw, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	return e.export(ctx, raw, e.tracesPartialSuccess)
}

// tracesPartialSuccess logs a partial success response.
func (e *compressionExporter) tracesPartialSuccess(resp []byte) {
	r := ptraceotlp.NewExportResponse()
	if r.UnmarshalProto(resp) != nil {
		return
	}
	if ps := r.PartialSuccess(); ps.ErrorMessage() != "" || ps.RejectedSpans() != 0 {
		e.logger.Warn("Partial success response", zap.String("message", ps.ErrorMessage()), zap.Int64("dropped_spans", ps.RejectedSpans()))
	}
}

func (e *compressionExporter) pushMetrics(ctx context.Context, md pmetric.Metrics) error {
	raw, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	return e.export(ctx, raw, e.metricsPartialSuccess)
}

// metricsPartialSuccess logs a partial success response.
func (e *compressionExporter) metricsPartialSuccess(resp []byte) {
	r := pmetricotlp.NewExportResponse()
	if r.UnmarshalProto(resp) != nil {
		return
	}
	if ps := r.PartialSuccess(); ps.ErrorMessage() != "" || ps.RejectedDataPoints() != 0 {
		e.logger.Warn("Partial success response", zap.String("message", ps.ErrorMessage()), zap.Int64("dropped_data_points", ps.RejectedDataPoints()))
	}
}

func (e *compressionExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	raw, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	return e.export(ctx, raw, e.logsPartialSuccess)
}

// logsPartialSuccess logs a partial success response.
func (e *compressionExporter) logsPartialSuccess(resp []byte) {
	r := plogotlp.NewExportResponse()
	if r.UnmarshalProto(resp) != nil {
		return
	}
	if ps := r.PartialSuccess(); ps.ErrorMessage() != "" || ps.RejectedLogRecords() != 0 {
		e.logger.Warn("Partial success response", zap.String("message", ps.ErrorMessage()), zap.Int64("dropped_log_records", ps.RejectedLogRecords()))
	}
}

// export compresses raw with the chosen codec and sends it. When the server
// rejects the codec, the same request is resent with the next usable codec.
func (e *compressionExporter) export(ctx context.Context, raw []byte, partialSuccess func([]byte)) error {
	return e.exportTo(ctx, e.tr, e.neg, raw, partialSuccess)
}

// exportTo is export to one endpoint: its transport and codec negotiation.
func (e *compressionExporter) exportTo(ctx context.Context, tr transport, neg *negotiation, raw []byte, partialSuccess func([]byte)) error {
	enc := e.choose(neg, raw)
	cpu := policy.MeasureCPU(func() { e.compress(tr, &enc) })
	e.compressed(ctx, &enc, cpu)
	return e.deliver(ctx, tr, neg, &enc, partialSuccess)
}

// encoded is a request compressed for one endpoint.
type encoded struct {
	raw   []byte
	body  []byte // raw itself when the wire codec is none
	wire  string
	level int
	bufp  *[]byte // holds body when compressed; back to the pool after the send
}

// choose picks the request's codec for the endpoint (and offers raw to
// the adaptive sample); compress then encodes it. Neither touches a metric,
// so callers can measure compress's CPU time alone and report it with
// compressed.
func (e *compressionExporter) choose(neg *negotiation, raw []byte) encoded {
	choice := e.policy.Choose(e.signal, len(raw))
	if e.adaptive != nil && choice.Reason != policy.ReasonBelowMinSize {
		e.adaptive.Observe(e.signal, raw)
	}
	enc := encoded{raw: raw, body: raw, wire: neg.resolve(choice.Codec), level: choice.Level}
	if enc.wire != choice.Codec {
		enc.level = defaultLevel(enc.wire)
	}
	return enc
}

// compress encodes enc.raw with enc.wire into a pooled buffer.
func (e *compressionExporter) compress(tr transport, enc *encoded) {
	enc.body = enc.raw
	cd, known := codec.Lookup(tr.format(enc.wire))
	if !known {
		enc.wire = codec.None // unreachable with a validated config; never fail a request over it
	}
	if enc.wire == codec.None {
		return
	}
	if enc.bufp == nil {
		enc.bufp, _ = e.bufs.Get().(*[]byte)
		if enc.bufp == nil {
			enc.bufp = new([]byte)
		}
	}
	*enc.bufp = cd.Encode(*enc.bufp, enc.raw, enc.level)
	enc.body = *enc.bufp
}

// compressed reports the CPU time spent compressing enc.
func (e *compressionExporter) compressed(ctx context.Context, enc *encoded, cpu time.Duration) {
	if enc.wire == codec.None {
		return
	}
	e.tb.ExporterCompressionCPUTime.Add(ctx, cpu.Seconds(), e.attrs.codec(enc.wire).sendCPU)
	if e.adaptive != nil {
		e.adaptive.ObserveCompression(e.signal, cpu)
	}
}

// release returns enc's buffer to the pool; forget drops it instead, when
// a failed transport may still hold the body.
func (e *compressionExporter) release(enc *encoded) {
	if enc.bufp != nil {
		e.bufs.Put(enc.bufp)
		enc.bufp = nil
	}
}

func (e *compressionExporter) forget(enc *encoded) {
	if enc.bufp != nil {
		*enc.bufp = nil
		e.bufs.Put(enc.bufp)
		enc.bufp = nil
	}
}

// deliver sends an encoded request. When the server rejects the codec, the
// request is compressed again with the next usable codec and resent.
func (e *compressionExporter) deliver(ctx context.Context, tr transport, neg *negotiation, enc *encoded, partialSuccess func([]byte)) error {
	for {
		start := time.Now()
		resp, err := tr.send(ctx, e.signal, enc.body, enc.wire)
		elapsed := time.Since(start)

		var rejected *codecRejectedError
		if errors.As(err, &rejected) {
			e.forget(enc) // the transport may still hold the rejected body
			e.count(ctx, enc.wire, len(enc.raw), len(enc.body), outcomeRejected)
			next := neg.next(enc.wire)
			if neg.reject(enc.wire) {
				e.logger.Warn("Server does not accept codec; falling back for this endpoint",
					zap.String("codec", enc.wire), zap.String("next", next), zap.String("signal", e.signal), zap.Error(err))
			}
			e.tb.ExporterCompressionFallbacks.Add(ctx, 1, metric.WithAttributes(attribute.String("signal", e.signal),
				attribute.String("from", enc.wire), attribute.String("to", next)))
			enc.wire, enc.level = next, defaultLevel(next)
			cpu := policy.MeasureCPU(func() { e.compress(tr, enc) })
			e.compressed(ctx, enc, cpu)
			continue
		}
		if err != nil {
			e.forget(enc) // the transport may still hold the body of a failed request
			e.count(ctx, enc.wire, len(enc.raw), len(enc.body), outcomeFailure)
			return err
		}
		e.count(ctx, enc.wire, len(enc.raw), len(enc.body), outcomeSuccess)
		e.release(enc)
		if e.adaptive != nil {
			e.adaptive.ObserveSend(len(enc.body), elapsed)
		}
		if len(resp) > 0 {
			partialSuccess(resp)
		}
		return nil
	}
}

func (e *compressionExporter) count(ctx context.Context, wire string, in, out int, outcome int) {
	a := e.attrs.codec(wire)
	if outcome == outcomeSuccess {
		e.tb.ExporterCompressionBytesUncompressed.Add(ctx, int64(in), a.bytes)
		e.tb.ExporterCompressionBytesCompressed.Add(ctx, int64(out), a.bytes)
	}
	e.tb.ExporterCompressionRequests.Add(ctx, 1, a.requests[outcome])
}
