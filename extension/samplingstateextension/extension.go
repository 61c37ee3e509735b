package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelgate/otelgate/extension/samplingstateextension/internal/metadata"
)

// backend is a Store with the lifecycle of the extension: a networked backend
// (Redis) connects in start and closes in shutdown; the memory backend has
// nothing to do in either.
type backend interface {
	Store
	Membership
	Guard
	start(ctx context.Context) error
	shutdown(ctx context.Context) error
}

// samplingState is the extension: the Store of the configured backend with a
// component lifecycle and its own telemetry. Processors find it by ID and use
// it as a Store.
type samplingState struct {
	backend
	telemetry *metadata.TelemetryBuilder
}

var (
	_ extension.Extension = (*samplingState)(nil)
	_ Store               = (*samplingState)(nil)
	_ Membership          = (*samplingState)(nil)
	_ Guard               = (*samplingState)(nil)
)

func (s *samplingState) Start(ctx context.Context, _ component.Host) error {
	return s.start(ctx)
}

func (s *samplingState) Shutdown(ctx context.Context) error {
	return s.shutdown(ctx)
}

// Operations, as the operation attribute of the extension's metrics.
var (
	opAddCounts    = attribute.String("operation", "add_counts")
	opMergedCounts = attribute.String("operation", "merged_counts")
	opHeartbeat    = attribute.String("operation", "heartbeat")
	opLeave        = attribute.String("operation", "leave")
	opBrake        = attribute.String("operation", "brake")
)

// record measures one backend call. A key-limit refusal is a partial success
// (the other counts were added), not a store error.
func (s *samplingState) record(ctx context.Context, op attribute.KeyValue, start time.Time, err error) {
	if s.telemetry == nil {
		return
	}
	attrs := metric.WithAttributes(op)
	// The context may be done already: the measurement must still be taken.
	ctx = context.WithoutCancel(ctx)
	s.telemetry.ExtensionSamplingStateCallDuration.Record(ctx, time.Since(start).Seconds(), attrs)
	var limit *errKeyLimit
	if err != nil && !errors.As(err, &limit) {
		s.telemetry.ExtensionSamplingStateErrors.Add(ctx, 1, attrs)
	}
}

func (s *samplingState) AddCounts(ctx context.Context, interval int64, counts map[string]int64) error {
	start := time.Now()
	err := s.backend.AddCounts(ctx, interval, counts)
	s.record(ctx, opAddCounts, start, err)
	return err
}

func (s *samplingState) MergedCounts(ctx context.Context, interval int64) (map[string]int64, error) {
	start := time.Now()
	out, err := s.backend.MergedCounts(ctx, interval)
	s.record(ctx, opMergedCounts, start, err)
	return out, err
}

func (s *samplingState) Heartbeat(ctx context.Context, group, replica string, ttl time.Duration) (int, error) {
	start := time.Now()
	n, err := s.backend.Heartbeat(ctx, group, replica, ttl)
	s.record(ctx, opHeartbeat, start, err)
	if err == nil && s.telemetry != nil {
		s.telemetry.ExtensionSamplingStateReplicas.Record(context.WithoutCancel(ctx), int64(n),
			metric.WithAttributes(attribute.String("group", groupName(group))))
	}
	return n, err
}

func (s *samplingState) Leave(ctx context.Context, group, replica string) error {
	start := time.Now()
	err := s.backend.Leave(ctx, group, replica)
	s.record(ctx, opLeave, start, err)
	return err
}

func (s *samplingState) Brake(ctx context.Context, req BrakeRequest) (float64, error) {
	start := time.Now()
	f, err := s.backend.Brake(ctx, req)
	s.record(ctx, opBrake, start, err)
	return f, err
}

// groupName is a group as a metric attribute: the processors name groups
// "<component id>\x00<signal>\x00"; separators become '/'.
func groupName(group string) string {
	return strings.Trim(strings.ReplaceAll(group, "\x00", "/"), "/")
}
