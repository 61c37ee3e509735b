// Package e2e holds the end-to-end tests of the otelgate distribution itself:
// the binary, its component set and the gateway's config.yaml.
package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.yaml.in/yaml/v3"

	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/internal/loadgen"
)

const waitTimeout = 60 * time.Second

// TestComponentsListed checks that `otelgate components` lists every component
// the distribution promises.
func TestComponentsListed(t *testing.T) {
	e2etest.SkipIfShort(t)
	out, err := exec.Command(e2etest.Binary(t), "components").CombinedOutput()
	if err != nil {
		t.Fatalf("otelgate components: %v\n%s", err, out)
	}
	type entry struct {
		Name string `yaml:"name"`
	}
	var doc struct {
		Receivers  []entry `yaml:"receivers"`
		Processors []entry `yaml:"processors"`
		Exporters  []entry `yaml:"exporters"`
		Extensions []entry `yaml:"extensions"`
		Connectors []entry `yaml:"connectors"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("parse components output: %v\n%s", err, out)
	}
	want := map[string][]string{
		"receivers": {"otlp"},
		"processors": {"batch", "memory_limiter", "tail_sampling", "probabilistic_sampler", "filter",
			"attributes", "transform", "interval", "redaction", "groupbytrace", "cumulative_to_delta", "metrics_transform",
			"adaptive_sampling", "attribute_filter", "enrichment", "aggregation", "encryption"},
		"exporters": {"otlp_grpc", "otlp_http", "debug", "file", "compression"},
		"extensions": {"health_check", "pprof", "zpages", "file_storage", "bearertokenauth", "oauth2client",
			"keyring", "sampling_state"},
		"connectors": {"span_metrics", "count"},
	}
	listed := map[string][]entry{"receivers": doc.Receivers, "processors": doc.Processors,
		"exporters": doc.Exporters, "extensions": doc.Extensions, "connectors": doc.Connectors}
	for kind, names := range want {
		have := map[string]bool{}
		for _, c := range listed[kind] {
			have[c.Name] = true
		}
		for _, n := range names {
			if !have[n] {
				t.Errorf("%s: %q not listed by `otelgate components`", kind, n)
			}
		}
	}
}

// TestPassthroughLossless sends traces, metrics and logs through otlp -> batch ->
// otlp and finds exactly the same content at the sink.
func TestPassthroughLossless(t *testing.T) {
	e2etest.SkipIfShort(t)
	sink := e2etest.StartSink(t)
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{Config: "e2e/testdata/passthrough.yaml", Sink: sink})

	gen := loadgen.New(loadgen.Config{Seed: 42, Services: 4, SpansPerTrace: 6, MetricSeries: 20, PII: true, ErrorShare: 0.1})
	traces := gen.Traces(300)
	metrics := gen.Metrics(500)
	logs := gen.Logs(400)

	gw.SendTraces(t, traces)
	gw.SendMetrics(t, metrics)
	gw.SendLogs(t, logs)

	sink.WaitForSpans(t, traces.SpanCount(), waitTimeout)
	sink.WaitForDataPoints(t, metrics.DataPointCount(), waitTimeout)
	sink.WaitForLogRecords(t, logs.LogRecordCount(), waitTimeout)
	gw.Stop(t)

	if err := ptracetest.CompareTraces(traces, sink.AllTraces(),
		ptracetest.IgnoreResourceSpansOrder(), ptracetest.IgnoreScopeSpansOrder(), ptracetest.IgnoreSpansOrder()); err != nil {
		t.Errorf("traces differ after passthrough: %v", err)
	}
	if err := pmetrictest.CompareMetrics(metrics, sink.AllMetrics(),
		pmetrictest.IgnoreResourceMetricsOrder(), pmetrictest.IgnoreScopeMetricsOrder(), pmetrictest.IgnoreMetricsOrder(),
		pmetrictest.IgnoreMetricDataPointsOrder()); err != nil {
		t.Errorf("metrics differ after passthrough: %v", err)
	}
	if err := plogtest.CompareLogs(logs, sink.AllLogs(),
		plogtest.IgnoreResourceLogsOrder(), plogtest.IgnoreScopeLogsOrder(), plogtest.IgnoreLogRecordsOrder()); err != nil {
		t.Errorf("logs differ after passthrough: %v", err)
	}
	if got := sink.Traces.SpanCount(); got != traces.SpanCount() {
		t.Errorf("sink received %d spans, sent %d (duplicates?)", got, traces.SpanCount())
	}
}

// TestMalformedHTTPRequests: a malformed protobuf body and a wrong content type
// get clear 4xx answers, and the gateway keeps serving.
func TestMalformedHTTPRequests(t *testing.T) {
	e2etest.SkipIfShort(t)
	sink := e2etest.StartSink(t)
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{Config: "e2e/testdata/passthrough.yaml", Sink: sink})
	url := gw.HTTPEndpoint + "/v1/traces"

	status, body := e2etest.PostOTLP(t, url, []byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01}, map[string]string{"Content-Type": "application/x-protobuf"})
	if status != 400 {
		t.Errorf("malformed protobuf: status %d, want 400 (body %q)", status, body)
	}
	status, body = e2etest.PostOTLP(t, url, []byte(`{"resourceSpans": [`), map[string]string{"Content-Type": "application/json"})
	if status != 400 {
		t.Errorf("malformed JSON: status %d, want 400 (body %q)", status, body)
	}
	status, body = e2etest.PostOTLP(t, url, []byte("hello"), map[string]string{"Content-Type": "text/plain"})
	if status != 415 {
		t.Errorf("wrong content type: status %d, want 415 Unsupported Media Type (body %q)", status, body)
	}
	if !strings.Contains(string(body), "application/x-protobuf") {
		t.Errorf("wrong content type answer does not name the supported types: %q", body)
	}

	// Still serving: a valid request over HTTP goes through.
	td := loadgen.New(loadgen.Config{Seed: 7, Services: 2, SpansPerTrace: 3}).Traces(10)
	raw, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	status, body = e2etest.PostOTLP(t, url, raw, map[string]string{"Content-Type": "application/x-protobuf"})
	if status != 200 {
		t.Fatalf("valid request after bad ones: status %d (body %q)", status, body)
	}
	sink.WaitForSpans(t, td.SpanCount(), waitTimeout)
	if exited, err := gw.Exited(); exited {
		t.Fatalf("gateway exited after malformed requests: %v", err)
	}
}

// TestInvalidConfigNamesField: a misspelt field fails at startup and the error
// names it.
func TestInvalidConfigNamesField(t *testing.T) {
	e2etest.SkipIfShort(t)
	cmd := exec.Command(e2etest.Binary(t), "validate", "--config", "testdata/bad-field.yaml")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("validate accepted a config with an unknown field:\n%s", out)
	}
	if !strings.Contains(string(out), "send_batch_sise") {
		t.Errorf("error does not name the bad field:\n%s", out)
	}
}
