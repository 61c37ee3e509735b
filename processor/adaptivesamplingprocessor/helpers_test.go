package adaptivesamplingprocessor

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/metadata"
)

// testConfig returns the default configuration with the given rules.
func testConfig(rules ...RuleConfig) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Rules = rules
	return cfg
}

// startTraces creates and starts a traces processor; the returned internals
// let tests drive adjustments and tail decisions deterministically.
func startTraces(t *testing.T, cfg *Config, host component.Host) (processor.Traces, *tracesProcessor, *consumertest.TracesSink) {
	t.Helper()
	return startTracesClock(t, cfg, host, nil)
}

// testClock is a fake clock that tests advance.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Unix(1_000_000, 0)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward and returns the new time.
func (c *testClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// startTracesClock is startTraces with a fake clock: when clock is set, the
// processor reads it and its background loops are off, so the test alone
// decides when rates adjust and when buffered traces are decided.
func startTracesClock(t *testing.T, cfg *Config, host component.Host, clock *testClock) (processor.Traces, *tracesProcessor, *consumertest.TracesSink) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("invalid config: %v", err)
	}
	sink := new(consumertest.TracesSink)
	set := processortest.NewNopSettings(metadata.Type)
	var internal *tracesProcessor
	proc, err := newTracesProcessorWith(set, cfg, sink, func(p *tracesProcessor) {
		internal = p
		if clock != nil {
			p.now = clock.Now
			p.manual = true
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if host == nil {
		host = componenttest.NewNopHost()
	}
	if err := proc.Start(context.Background(), host); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proc.Shutdown(context.Background()) })
	return proc, internal, sink
}

// spanSpec describes a generated span.
type spanSpec struct {
	traceID    pcommon.TraceID
	key        string // value of attribute "route"
	tracestate string
	parent     bool // has a parent span id
	errorSpan  bool
	spanID     byte
}

func randomTraceID(r *rand.Rand) pcommon.TraceID {
	var id pcommon.TraceID
	for i := range id {
		id[i] = byte(r.Uint32())
	}
	return id
}

func buildTraces(specs []spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	ss := rs.ScopeSpans().AppendEmpty()
	for _, sp := range specs {
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(sp.traceID)
		s.SetSpanID(pcommon.SpanID{1, sp.spanID})
		s.SetName("op")
		if sp.parent {
			s.SetParentSpanID(pcommon.SpanID{2})
		}
		if sp.key != "" {
			s.Attributes().PutStr("route", sp.key)
		}
		if sp.tracestate != "" {
			s.TraceState().FromRaw(sp.tracestate)
		}
		if sp.errorSpan {
			s.Status().SetCode(ptrace.StatusCodeError)
		}
	}
	return td
}

// keptSpans returns every span received by the sink.
func keptSpans(sink *consumertest.TracesSink) []ptrace.Span {
	var out []ptrace.Span
	for _, td := range sink.AllTraces() {
		forEachSpan(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, s ptrace.Span) bool {
			out = append(out, s)
			return true
		})
	}
	return out
}

func attrStr(s ptrace.Span, k string) string {
	v, _ := s.Attributes().Get(k)
	return v.AsString()
}

// host is a component.Host with extensions.
type host struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h host) GetExtensions() map[component.ID]component.Component { return h.ext }

func processortestSettings() processor.Settings { return processortest.NewNopSettings(metadata.Type) }
