package faultsink // import "github.com/otelgate/otelgate/internal/faultsink"

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// Sink is a running fault-injecting OTLP backend.
type Sink struct {
	// GRPCEndpoint is host:port of its OTLP/gRPC receiver.
	GRPCEndpoint string
	// HTTPEndpoint is http://host:port of its OTLP/HTTP receiver.
	HTTPEndpoint string

	delay     atomic.Int64  // nanoseconds
	errorRate atomic.Uint64 // math.Float64bits, in [0, 1]

	mu       sync.Mutex
	refusals float64 // error-rate accumulator: refuse when it crosses an integer
	adjusted float64

	requests, refused         atomic.Int64
	spans, points, logRecords atomic.Int64

	stop func()
}

// ErrRefused is what the sink answers a refused request with (a retryable
// error: the receiver turns it into gRPC Unavailable / HTTP 503).
var ErrRefused = errors.New("faultsink: backend unavailable")

// Start starts a sink on free loopback ports.
func Start() (*Sink, error) {
	s := &Sink{}
	tc, err := consumer.NewTraces(s.consumeTraces)
	if err != nil {
		return nil, err
	}
	mc, err := consumer.NewMetrics(s.consumeMetrics)
	if err != nil {
		return nil, err
	}
	lc, err := consumer.NewLogs(s.consumeLogs)
	if err != nil {
		return nil, err
	}
	if s.GRPCEndpoint, s.HTTPEndpoint, s.stop, err = gatewayproc.ServeOTLP(tc, mc, lc); err != nil {
		return nil, fmt.Errorf("faultsink: %w", err)
	}
	return s, nil
}

// Stop stops the receivers.
func (s *Sink) Stop() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// SetDelay holds every following acknowledgement for d (0: answer at once).
func (s *Sink) SetDelay(d time.Duration) { s.delay.Store(int64(d)) }

// SetErrorRate refuses the given share of the following requests, spread
// evenly (0.5: every other request; 1: all of them).
func (s *Sink) SetErrorRate(r float64) { s.errorRate.Store(math.Float64bits(min(max(r, 0), 1))) }

// Recover removes every fault.
func (s *Sink) Recover() {
	s.SetDelay(0)
	s.SetErrorRate(0)
}

// Requests is the number of export requests received, refused ones included.
func (s *Sink) Requests() int64 { return s.requests.Load() }

// Refused is the number of export requests refused.
func (s *Sink) Refused() int64 { return s.refused.Load() }

// Spans is the number of spans accepted.
func (s *Sink) Spans() int64 { return s.spans.Load() }

// DataPoints is the number of metric data points accepted.
func (s *Sink) DataPoints() int64 { return s.points.Load() }

// LogRecords is the number of log records accepted.
func (s *Sink) LogRecords() int64 { return s.logRecords.Load() }

// AdjustedCount is the sum of the adjusted counts of the accepted spans:
// the number of spans they stand for.
func (s *Sink) AdjustedCount() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.adjusted
}

// admit applies the faults to one request: it waits for the delay and
// decides whether to refuse it.
func (s *Sink) admit(ctx context.Context) error {
	s.requests.Add(1)
	if d := time.Duration(s.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			s.refused.Add(1)
			return ctx.Err()
		}
	}
	if ctx.Err() != nil {
		s.refused.Add(1)
		return ctx.Err()
	}
	rate := math.Float64frombits(s.errorRate.Load())
	if rate == 0 {
		return nil
	}
	s.mu.Lock()
	before := s.refusals
	s.refusals += rate
	refuse := math.Floor(s.refusals) > math.Floor(before)
	s.mu.Unlock()
	if refuse {
		s.refused.Add(1)
		return ErrRefused
	}
	return nil
}

func (s *Sink) consumeTraces(ctx context.Context, td ptrace.Traces) error {
	if err := s.admit(ctx); err != nil {
		return err
	}
	var sum float64
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				sum += AdjustedCount(spans.At(k).TraceState().AsRaw())
			}
		}
	}
	s.mu.Lock()
	s.adjusted += sum
	s.mu.Unlock()
	s.spans.Add(int64(td.SpanCount()))
	return nil
}

func (s *Sink) consumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	if err := s.admit(ctx); err != nil {
		return err
	}
	s.points.Add(int64(md.DataPointCount()))
	return nil
}

func (s *Sink) consumeLogs(ctx context.Context, ld plog.Logs) error {
	if err := s.admit(ctx); err != nil {
		return err
	}
	s.logRecords.Add(int64(ld.LogRecordCount()))
	return nil
}
