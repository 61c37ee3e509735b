package compressionexporter

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/internal/testutil"
)

// TestComponentLifecycle: the config struct, and create, start, export one
// item, shutdown (and shutdown without start) for every signal, with the
// default policy against a real OTLP sink, which receives the three items.
func TestComponentLifecycle(t *testing.T) {
	sink := e2etest.StartSink(t)
	testutil.CheckExporter(t, NewFactory(), testutil.Lifecycle{Config: grpcConfig(sink.GRPCEndpoint)})
	assert.Equal(t, 1, sink.AllTraces().SpanCount())
	assert.Equal(t, 1, sink.AllMetrics().DataPointCount())
	assert.Equal(t, 1, sink.AllLogs().LogRecordCount())
}
