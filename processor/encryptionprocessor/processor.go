package encryptionprocessor // import "github.com/otelgate/otelgate/processor/encryptionprocessor"

import (
	"context"
	"errors"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/extension/keyringextension"
	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/internal/metadata"
)

// encryptionProcessor holds what every batch shares; the work of one batch is
// done by a run.
type encryptionProcessor struct {
	cfg       *Config
	decrypt   bool
	onError   string
	bodyAlg   keyring.Algorithm
	selector  *selector
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	keys      keyringextension.Keyring

	evictionsReported atomic.Int64 // selector cache evictions counted so far

	levelAttrs  [codec.NumLevels]metric.MeasurementOption
	reasonAttrs [codec.NumReasons][codec.NumLevels]metric.MeasurementOption
}

func newEncryptionProcessor(cfg *Config, set component.TelemetrySettings) (*encryptionProcessor, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	bodyAlg, err := keyring.ParseAlgorithm(cfg.Algorithm)
	if err != nil {
		return nil, err
	}
	p := &encryptionProcessor{
		cfg:       cfg,
		bodyAlg:   bodyAlg,
		decrypt:   cfg.Action == ActionDecrypt,
		onError:   cfg.OnError,
		selector:  newSelector(cfg),
		logger:    set.Logger,
		telemetry: tb,
	}
	for l := range codec.NumLevels {
		lv := attribute.String("level", codec.Level(l).String())
		p.levelAttrs[l] = metric.WithAttributeSet(attribute.NewSet(lv))
		for r := range codec.NumReasons {
			p.reasonAttrs[r][l] = metric.WithAttributeSet(attribute.NewSet(lv, attribute.String("reason", codec.Reason(r).String())))
		}
	}
	return p, nil
}

func (p *encryptionProcessor) start(_ context.Context, host component.Host) error {
	kr, err := keyringextension.RingOf(host, p.cfg.Keyring)
	if err != nil {
		return err
	}
	p.keys = kr
	return nil
}

// run is the state of one batch: the key ring snapshot, reusable buffers
// and counts flushed to telemetry at the end.
type run struct {
	p     *encryptionProcessor
	ring  *keyring.Ring
	codec codec.Codec

	encrypted [codec.NumLevels][keyring.NumAlgorithms]int64
	decrypted [codec.NumLevels]int64
	failures  [codec.NumReasons][codec.NumLevels]int64
	dropAttrs int64
	dropped   int64

	remove []string
}

func (p *encryptionProcessor) newRun() *run {
	return &run{p: p, ring: p.keys.Ring()}
}

// flushEvictions counts the selector cache evictions since the last report.
func (p *encryptionProcessor) flushEvictions(ctx context.Context) {
	total := p.selector.evictions()
	for {
		prev := p.evictionsReported.Load()
		if total <= prev {
			return
		}
		if p.evictionsReported.CompareAndSwap(prev, total) {
			p.telemetry.ProcessorEncryptionKeyVerdictEvictions.Add(ctx, total-prev)
			return
		}
	}
}

// flush records the counts of the run.
func (r *run) flush(ctx context.Context) {
	t := r.p.telemetry
	active := r.ring.Active().ID()
	for l := range codec.NumLevels {
		for a, n := range r.encrypted[l] {
			if n > 0 {
				t.ProcessorEncryptionValuesEncrypted.Add(ctx, n, metric.WithAttributes(
					attribute.String("level", codec.Level(l).String()),
					attribute.String("algorithm", keyring.Algorithm(a).String()),
					attribute.String("key_id", active)))
			}
		}
		if n := r.decrypted[l]; n > 0 {
			t.ProcessorEncryptionValuesDecrypted.Add(ctx, n, r.p.levelAttrs[l])
		}
		for reason := range codec.NumReasons {
			if n := r.failures[reason][l]; n > 0 {
				t.ProcessorEncryptionDecryptFailures.Add(ctx, n, r.p.reasonAttrs[reason][l])
			}
		}
	}
	r.p.flushEvictions(ctx)
	if r.dropAttrs > 0 {
		t.ProcessorEncryptionAttributesDropped.Add(ctx, r.dropAttrs)
	}
	if r.dropped > 0 {
		t.ProcessorEncryptionRecordsDropped.Add(ctx, r.dropped)
	}
}

// attrs encrypts or decrypts the selected attributes of m. It reports whether
// the record holding m must be dropped (decrypt failure with drop_record).
func (r *run) attrs(m pcommon.Map, level codec.Level) (dropRecord bool, err error) {
	if m.Len() == 0 {
		return false, nil
	}
	r.remove = r.remove[:0]
	for k, v := range m.All() {
		alg, ok := r.p.selector.match(level, k)
		if !ok {
			continue
		}
		var drop bool
		if drop, err = r.value(v, level, k, alg); err != nil {
			return false, err
		}
		if drop {
			if r.p.onError == OnErrorDropRecord {
				return true, nil
			}
			r.remove = append(r.remove, k)
		}
	}
	for _, k := range r.remove {
		m.Remove(k)
	}
	return false, nil
}

// body encrypts or decrypts a log body when log_body is set.
func (r *run) body(v pcommon.Value) (dropRecord bool, err error) {
	if !r.p.cfg.LogBody || v.Type() == pcommon.ValueTypeEmpty {
		return false, nil
	}
	drop, err := r.value(v, codec.LevelBody, "", r.p.bodyAlg)
	if err != nil || !drop {
		return false, err
	}
	if r.p.onError == OnErrorDropRecord {
		return true, nil
	}
	_ = v.FromRaw(nil) // nil always succeeds
	return false, nil
}

// value encrypts or decrypts one selected value in place. drop reports a
// decrypt failure whose on_error is not keep.
func (r *run) value(v pcommon.Value, level codec.Level, key string, alg keyring.Algorithm) (drop bool, err error) {
	if !r.p.decrypt {
		s, err := r.codec.Encrypt(r.ring.Active(), alg, level, key, v)
		if err != nil {
			return false, err
		}
		v.SetStr(s)
		r.encrypted[level][alg]++
		return false, nil
	}
	if v.Type() != pcommon.ValueTypeStr {
		r.failures[codec.ReasonMalformed][level]++
		return r.p.onError != OnErrorKeep, nil
	}
	if derr := r.codec.Decrypt(r.ring, level, key, v.Str(), v); derr != nil {
		reason := codec.ReasonMalformed
		var e *codec.Error
		if errors.As(derr, &e) {
			reason = e.Reason
		}
		r.failures[reason][level]++
		if r.p.onError == OnErrorKeep {
			return false, nil
		}
		if r.p.onError == OnErrorDropAttribute {
			r.dropAttrs++
		}
		return true, nil
	}
	r.decrypted[level]++
	return false, nil
}
