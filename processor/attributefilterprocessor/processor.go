package attributefilterprocessor

import (
	"context"
	"hash/maphash"
	"math/bits"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/cardinality"
	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/match"
	"github.com/otelgate/otelgate/processor/attributefilterprocessor/internal/metadata"
)

const (
	reasonKeyList = iota
	reasonMaxAttributes
	reasons
)

var reasonNames = [reasons]string{"key_list", "max_attributes"}

var kindNames = [...]string{"spans", "span_events", "span_links", "datapoints", "logs"}

func kindIndex(k match.RecordKind) int { return bits.TrailingZeros8(uint8(k)) }

// stats counts what one batch did; it is flushed to the telemetry once per batch.
type stats struct {
	dropped          [len(kindNames)][]int64 // per kind, per drop_if_any rule, then keep_only
	removed          [levels][reasons]int64
	truncatedStrings int64
	truncatedArrays  int64
	overflows        map[string]int64 // by metric name
	merged           int64
	collided         int64
}

// filter is the processor shared by the three signals.
type filter struct {
	policy    *policy
	guard     *cardinality.Guard
	overflow  string
	seed      maphash.Seed // names overflow series across batches
	telemetry *metadata.TelemetryBuilder

	droppedOpts [len(kindNames)][]metric.AddOption
	removedOpts [levels][reasons]metric.AddOption
	stringOpt   metric.AddOption
	arrayOpt    metric.AddOption

	evictionsReported atomic.Int64 // key verdict evictions counted so far
}

func newFilter(set processor.Settings, cfg *Config, now func() time.Time) (*filter, error) {
	pol, err := compile(cfg)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	f := &filter{policy: pol, telemetry: tb, overflow: cfg.Cardinality.OverflowValue, seed: maphash.MakeSeed()}
	if len(cfg.Cardinality.Limits) > 0 {
		limits := make([]cardinality.Limit, len(cfg.Cardinality.Limits))
		for i, l := range cfg.Cardinality.Limits {
			limits[i] = cardinality.Limit{Metrics: l.Metrics, Keys: l.Keys, MaxValues: l.MaxValues}
		}
		f.guard = cardinality.New(limits, cfg.Cardinality.Window, cfg.Cardinality.MaxTrackedMetrics, now)
	}
	for k, kn := range kindNames {
		for _, r := range pol.dropIfAny {
			f.droppedOpts[k] = append(f.droppedOpts[k], metric.WithAttributeSet(attribute.NewSet(attribute.String("signal", kn), attribute.String("rule", r.name))))
		}
		f.droppedOpts[k] = append(f.droppedOpts[k], metric.WithAttributeSet(attribute.NewSet(attribute.String("signal", kn), attribute.String("rule", "keep_only"))))
	}
	for l := range levels {
		for r := range reasons {
			f.removedOpts[l][r] = metric.WithAttributeSet(attribute.NewSet(attribute.String("level", levelNames[l]), attribute.String("reason", reasonNames[r])))
		}
	}
	f.stringOpt = metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "string")))
	f.arrayOpt = metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "array")))
	return f, nil
}

func (f *filter) newStats() *stats {
	st := &stats{}
	if n := len(f.policy.dropIfAny) + 1; f.policy.hasRules() {
		buf := make([]int64, n*len(kindNames))
		for k := range kindNames {
			st.dropped[k] = buf[k*n : (k+1)*n : (k+1)*n]
		}
	}
	return st
}

func (f *filter) countDrop(st *stats, kind match.RecordKind, verdict int) {
	st.dropped[kindIndex(kind)][verdict]++
}

// flush adds a batch's counts to the processor's own metrics.
func (f *filter) flush(ctx context.Context, st *stats) {
	tb := f.telemetry
	for k := range st.dropped {
		for i, n := range st.dropped[k] {
			if n > 0 {
				tb.ProcessorAttributeFilterRecordsDropped.Add(ctx, n, f.droppedOpts[k][i])
			}
		}
	}
	for l := range st.removed {
		for r, n := range st.removed[l] {
			if n > 0 {
				tb.ProcessorAttributeFilterAttributesRemoved.Add(ctx, n, f.removedOpts[l][r])
			}
		}
	}
	if st.truncatedStrings > 0 {
		tb.ProcessorAttributeFilterValuesTruncated.Add(ctx, st.truncatedStrings, f.stringOpt)
	}
	if st.truncatedArrays > 0 {
		tb.ProcessorAttributeFilterValuesTruncated.Add(ctx, st.truncatedArrays, f.arrayOpt)
	}
	for name, n := range st.overflows {
		tb.ProcessorAttributeFilterCardinalityOverflows.Add(ctx, n, metric.WithAttributes(attribute.String("metric", name)))
	}
	if st.merged > 0 {
		tb.ProcessorAttributeFilterPointsMerged.Add(ctx, st.merged)
	}
	if st.collided > 0 {
		tb.ProcessorAttributeFilterPointsDroppedOnCollision.Add(ctx, st.collided)
	}
	f.flushEvictions(ctx)
}

// flushEvictions counts the verdict cache evictions since the last report.
func (f *filter) flushEvictions(ctx context.Context) {
	total := f.policy.verdictEvictions()
	for {
		prev := f.evictionsReported.Load()
		if total <= prev {
			return
		}
		if f.evictionsReported.CompareAndSwap(prev, total) {
			f.telemetry.ProcessorAttributeFilterKeyVerdictEvictions.Add(ctx, total-prev)
			return
		}
	}
}

func (f *filter) shutdown(context.Context) error {
	f.telemetry.Shutdown()
	return nil
}
