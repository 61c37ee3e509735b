package aggregationprocessor

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/metadata"
	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/window"
)

// nameCacheSize bounds the memo of metric name to rule.
const nameCacheSize = 16_384

// inputIdleIntervals is how many rule intervals a cumulative input series
// is remembered without new points.
const inputIdleIntervals = 10

type aggregationProcessor struct {
	logger *zap.Logger
	id     component.ID
	cfg    *Config
	next   consumer.Metrics
	now    func() time.Time
	tel    *metadata.TelemetryBuilder

	mu        sync.Mutex
	rules     []*rule
	nameCache map[string]int
	sample    window.Sample
	scratch   []byte
	src       seriesSource
	mc        metricCtx
	all       window.Reducer

	client  storage.Client
	done    chan struct{}
	wg      sync.WaitGroup
	started bool
}

func newProcessor(set processor.Settings, cfg *Config, next consumer.Metrics, now func() time.Time) (*aggregationProcessor, error) {
	tel, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	p := &aggregationProcessor{
		logger:    set.Logger,
		id:        set.ID,
		cfg:       cfg,
		next:      next,
		now:       now,
		tel:       tel,
		nameCache: map[string]int{},
		done:      make(chan struct{}),
	}
	start := now().UnixNano()
	for i, rc := range cfg.Rules {
		outs := make([]window.Output, 0, len(rc.Outputs))
		for _, name := range rc.Outputs {
			o, err := window.Lookup(name)
			if err != nil {
				return nil, err
			}
			outs = append(outs, o)
		}
		r := &rule{
			name:    ruleName(i, rc),
			cfg:     rc,
			match:   globs(rc.Metrics),
			reducer: window.NewReducer(rc.GroupBy, rc.Without),
			agg: window.New(window.Config{
				Interval:   rc.Interval.Nanoseconds(),
				Outputs:    outs,
				MaxSeries:  rc.MaxSeries,
				DropLate:   cfg.LatePoints == LateDrop,
				Cumulative: rc.Temporality == TemporalityCumulative,
			}),
			inputs: window.NewInputs(start, cfg.MaxInputSeries),
			namer:  rc.namer(),
		}
		for _, o := range rc.Outputs {
			r.sumDeltas = r.sumDeltas || o == "sum" || o == "increase" || o == "rate"
		}
		r.attrs = metric.WithAttributeSet(attribute.NewSet(attribute.String("rule", r.name)))
		r.agg.Start(start)
		p.rules = append(p.rules, r)
	}
	if err := p.registerActiveSeries(); err != nil {
		return nil, err
	}
	return p, nil
}

func (*aggregationProcessor) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

// Start restores the checkpoint (when a storage is configured) and starts
// the flush loop.
func (p *aggregationProcessor) Start(ctx context.Context, host component.Host) error {
	if p.cfg.Storage != nil {
		client, err := storageClient(ctx, host, *p.cfg.Storage, p.id)
		if err != nil {
			return err
		}
		p.client = client
		if err := p.restore(ctx); err != nil {
			p.logger.Warn("aggregation checkpoint not restored; starting empty", zap.Error(err))
		}
	}
	p.started = true
	p.wg.Add(1)
	go p.run() //nolint:gosec // G118: the flush loop outlives Start's ctx; Shutdown stops it
	return nil
}

// Shutdown stops the flush loop and hands every open window to the next
// consumer; with a storage (and flush_on_shutdown unset) the windows still
// open are checkpointed instead, to be completed after the restart.
func (p *aggregationProcessor) Shutdown(ctx context.Context) error {
	if p.started {
		close(p.done)
		p.wg.Wait()
		p.started = false
	}
	var errs error
	if p.client == nil || p.cfg.FlushOnShutdown {
		errs = p.flush(ctx, p.now(), true)
	} else {
		errs = p.flush(ctx, p.now(), false)
	}
	if p.client != nil {
		if err := p.checkpoint(ctx); err != nil {
			// the open windows cannot wait for the restart: hand them on now
			p.logger.Warn("aggregation checkpoint failed at shutdown; flushing the open windows instead", zap.Error(err))
			errs = errors.Join(errs, p.flush(ctx, p.now(), true))
			// an older checkpoint would bring the flushed windows back
			errs = errors.Join(errs, p.client.Delete(ctx, checkpointKey))
		}
		errs = errors.Join(errs, p.client.Close(ctx))
		p.client = nil
	}
	p.tel.Shutdown()
	return errs
}

// ConsumeMetrics takes the points of matched metrics into the open
// windows and passes everything else on.
func (p *aggregationProcessor) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	now := p.now().UnixNano()
	p.mu.Lock()
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		for _, r := range p.rules {
			r.resDone, r.fullOK = false, false
		}
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool {
				r := p.ruleFor(m.Name())
				if r == nil {
					return false
				}
				return p.consumeMetric(r, rm, sm, m, now)
			})
			return sm.Metrics().Len() == 0
		})
		return rm.ScopeMetrics().Len() == 0
	})
	p.mu.Unlock()
	p.recordBatch(ctx)
	if md.ResourceMetrics().Len() == 0 {
		return nil
	}
	return p.next.ConsumeMetrics(ctx, md)
}
