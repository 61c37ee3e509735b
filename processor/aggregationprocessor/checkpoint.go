package aggregationprocessor

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/processor/aggregationprocessor/internal/window"
)

// checkpointKey is the storage key of the checkpoint.
const checkpointKey = "aggregation_checkpoint"

// checkpointVersion changes when the encoding does.
const checkpointVersion = 1

type checkpointData struct {
	Version int
	Written int64
	Rules   []ruleCheckpoint
}

type ruleCheckpoint struct {
	// Name and Fingerprint tie the state to the rule it was taken from;
	// a rule whose fingerprint changed starts empty.
	Name        string
	Fingerprint string
	Aggregator  window.Snapshot
	Inputs      []window.InputSnapshot
}

func fingerprint(r RuleConfig) string {
	return fmt.Sprintf("%s|%s|%s|%v|%v|%s", r.Interval, strings.Join(r.Outputs, ","), r.Temporality, r.GroupBy, r.Without, strings.Join(r.Metrics, ","))
}

func storageClient(ctx context.Context, host component.Host, id, self component.ID) (storage.Client, error) {
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q not found", id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", id)
	}
	return se.GetClient(ctx, component.KindProcessor, self, "")
}

// checkpoint writes the open windows and the cumulative input state.
func (p *aggregationProcessor) checkpoint(ctx context.Context) error {
	if p.client == nil {
		return nil
	}
	var buf bytes.Buffer
	p.mu.Lock()
	data := checkpointData{Version: checkpointVersion, Written: p.now().UnixNano()}
	for _, r := range p.rules {
		data.Rules = append(data.Rules, ruleCheckpoint{
			Name: r.name, Fingerprint: fingerprint(r.cfg), Aggregator: r.agg.Snapshot(), Inputs: r.inputs.Snapshot(),
		})
	}
	err := gob.NewEncoder(&buf).Encode(&data)
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode checkpoint: %w", err)
	}
	return p.client.Set(ctx, checkpointKey, buf.Bytes())
}

// restore loads the checkpoint into the (empty) rules.
func (p *aggregationProcessor) restore(ctx context.Context) error {
	raw, err := p.client.Get(ctx, checkpointKey)
	if err != nil || raw == nil {
		return err
	}
	var data checkpointData
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&data); err != nil {
		return fmt.Errorf("decode checkpoint: %w", err)
	}
	if data.Version != checkpointVersion {
		return fmt.Errorf("checkpoint version %d, want %d", data.Version, checkpointVersion)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, rc := range data.Rules {
		for _, r := range p.rules {
			if r.name != rc.Name {
				continue
			}
			if fingerprint(r.cfg) != rc.Fingerprint {
				p.logger.Warn("aggregation rule changed since the checkpoint; its open windows are discarded", zap.String("rule", r.name))
				break
			}
			skipped, err := r.agg.Restore(rc.Aggregator)
			if err != nil {
				return err
			}
			r.inputs.Restore(rc.Inputs)
			p.logger.Info("aggregation state restored", zap.String("rule", r.name),
				zap.Int("open_windows", r.agg.OpenWindows()), zap.Int("series", r.agg.Active()),
				zap.Int("skipped_series", skipped), zap.Duration("age", time.Duration(p.now().UnixNano()-data.Written)))
		}
	}
	return nil
}
