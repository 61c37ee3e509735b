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
	bufs     sync.Pool // *[]byte compression buffers
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
	choice := e.policy.Choose(e.signal, len(raw))
	if e.adaptive != nil && choice.Reason != policy.ReasonBelowMinSize {
		e.adaptive.Observe(e.signal, raw)
	}
	wire, level := neg.resolve(choice.Codec), choice.Level
	if wire != choice.Codec {
		level = defaultLevel(wire)
	}
	bufp, _ := e.bufs.Get().(*[]byte)
	if bufp == nil {
		bufp = new([]byte)
	}
	defer e.bufs.Put(bufp)
	for {
		body := raw
		cd, known := codec.Lookup(tr.format(wire))
		if !known {
			wire = codec.None // unreachable with a validated config; never fail a request over it
		}
		if wire != codec.None {
			cpu := policy.MeasureCPU(func() { *bufp = cd.Encode(*bufp, raw, level) })
			e.tb.ExporterCompressionCPUTime.Add(ctx, cpu.Seconds(), metric.WithAttributes(
				attribute.String("codec", wire), attribute.String("phase", "send")))
			if e.adaptive != nil {
				e.adaptive.ObserveCompression(e.signal, cpu)
			}
			body = *bufp
		}
		start := time.Now()
		resp, err := tr.send(ctx, e.signal, body, wire)
		elapsed := time.Since(start)

		var rejected *codecRejectedError
		if errors.As(err, &rejected) {
			*bufp = nil // the transport may still hold the rejected body
			e.count(ctx, wire, len(raw), len(body), "rejected")
			next := neg.next(wire)
			if neg.reject(wire) {
				e.logger.Warn("Server does not accept codec; falling back for this endpoint",
					zap.String("codec", wire), zap.String("next", next), zap.String("signal", e.signal), zap.Error(err))
			}
			e.tb.ExporterCompressionFallbacks.Add(ctx, 1, metric.WithAttributes(attribute.String("signal", e.signal),
				attribute.String("from", wire), attribute.String("to", next)))
			wire, level = next, defaultLevel(next)
			continue
		}
		if err != nil {
			*bufp = nil // the transport may still hold the body of a failed request
			e.count(ctx, wire, len(raw), len(body), "failure")
			return err
		}
		e.count(ctx, wire, len(raw), len(body), "success")
		if e.adaptive != nil {
			e.adaptive.ObserveSend(len(body), elapsed)
		}
		if len(resp) > 0 {
			partialSuccess(resp)
		}
		return nil
	}
}

func (e *compressionExporter) count(ctx context.Context, wire string, in, out int, outcome string) {
	attrs := metric.WithAttributes(attribute.String("codec", wire), attribute.String("signal", e.signal))
	if outcome == "success" {
		e.tb.ExporterCompressionBytesUncompressed.Add(ctx, int64(in), attrs)
		e.tb.ExporterCompressionBytesCompressed.Add(ctx, int64(out), attrs)
	}
	e.tb.ExporterCompressionRequests.Add(ctx, 1, metric.WithAttributes(attribute.String("codec", wire),
		attribute.String("signal", e.signal), attribute.String("outcome", outcome)))
}
