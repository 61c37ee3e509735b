package enrichmentprocessor_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	grpcmd "google.golang.org/grpc/metadata"

	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/internal/loadgen"
)

var ownershipColumns = []string{"team", "owner", "tier", "cost_center"}

// readOwnership reads a CSV ownership table into service.name -> column -> value.
func readOwnership(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	out := map[string]map[string]string{}
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0][1:] {
			row[h] = r[i+1]
		}
		out[r[0]] = row
	}
	return out
}

func postOTLP(t *testing.T, gw *e2etest.Gateway, path string, body []byte, tenant string) {
	t.Helper()
	code, resp := e2etest.PostOTLP(t, gw.HTTPEndpoint+path, body,
		map[string]string{"Content-Type": "application/x-protobuf", "X-Tenant": tenant})
	require.Equal(t, 200, code, "POST %s: %s", path, resp)
}

func markResources(td ptrace.Traces, channel string) {
	for _, rs := range td.ResourceSpans().All() {
		rs.Resource().Attributes().PutStr("e2e.channel", channel)
	}
}

// checkResource asserts the attributes enrichment adds to one sender's resource.
func checkResource(t *testing.T, attrs pcommon.Map, table map[string]map[string]string, tenant string) {
	t.Helper()
	raw := attrs.AsRaw()
	assert.Equal(t, tenant, raw["tenant.id"], "tenant.id from the request header")
	svc, _ := raw["service.name"].(string)
	row, ok := table[svc]
	if !ok {
		row = table["*"] // the default row
	}
	for _, c := range ownershipColumns {
		assert.Equal(t, row[c], raw[c], "service %q column %q", svc, c)
	}
	assert.Equal(t, "production", raw["deployment.environment.name"], "static value from ${env:...}")
	assert.Equal(t, "e2e-cluster", raw["otelgate.gateway.k8s.cluster.name"])
	assert.Equal(t, "otelgate-e2e-0", raw["otelgate.gateway.k8s.pod.name"])
	assert.True(t, strings.HasPrefix(raw["k8s.pod.name"].(string), svc), "the sender's own pod name is kept: %v", raw["k8s.pod.name"])
}

func waitMetric(t *testing.T, gw *e2etest.Gateway, name string, atLeast float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for gw.Metric(t, name, map[string]string{"table": "ownership"}) < atLeast {
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed below %v\n--- gateway output ---\n%s", name, atLeast, gw.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestE2EEnrichment runs the built gateway with include_metadata on its OTLP
// receiver. Traces, metrics and logs sent over OTLP/HTTP with an X-Tenant
// header, and traces over OTLP/gRPC with an x-tenant header, arrive at the
// sink with tenant.id, the ownership columns of the shipped table (the default
// row for services it lacks), the static value and the gateway's environment
// under its prefix. The table is then rewritten while the gateway runs: new
// records carry the new values; a broken table is rejected and the previous
// one stays.
func TestE2EEnrichment(t *testing.T) {
	e2etest.SkipIfShort(t)
	shipped := filepath.Join(e2etest.RepoRoot(), "tables", "ownership.csv")
	content, err := os.ReadFile(shipped)
	require.NoError(t, err)
	tablePath := filepath.Join(t.TempDir(), "ownership.csv")
	require.NoError(t, os.WriteFile(tablePath, content, 0o600))
	table := readOwnership(t, shipped)
	require.Contains(t, table, "*", "the shipped table has a default row")

	sink := e2etest.StartSink(t)
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{
		Config: "processor/enrichmentprocessor/testdata/e2e/config.yaml",
		Sink:   sink,
		Env: map[string]string{
			"OTELGATE_E2E_TABLE":       tablePath,
			"OTELGATE_E2E_ENVIRONMENT": "production",
			"K8S_CLUSTER_NAME":         "e2e-cluster",
			"K8S_POD_NAME":             "otelgate-e2e-0",
		},
	})

	cfg := loadgen.DefaultConfig()
	cfg.Services = 10 // service-9 and service-10 are not in the table
	gen := loadgen.New(cfg)

	// OTLP/HTTP, all three signals, X-Tenant: acme.
	td := gen.Traces(50)
	markResources(td, "http")
	spans := td.SpanCount()
	body, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	postOTLP(t, gw, "/v1/traces", body, "acme")
	md := gen.Metrics(200)
	points := md.DataPointCount()
	body, err = (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	require.NoError(t, err)
	postOTLP(t, gw, "/v1/metrics", body, "acme")
	ld := gen.Logs(100)
	records := ld.LogRecordCount()
	body, err = (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	require.NoError(t, err)
	postOTLP(t, gw, "/v1/logs", body, "acme")

	// OTLP/gRPC, x-tenant: globex.
	gtd := gen.Traces(20)
	markResources(gtd, "grpc")
	spans += gtd.SpanCount()
	conn, err := grpc.NewClient(gw.GRPCEndpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = ptraceotlp.NewGRPCClient(conn).Export(grpcmd.AppendToOutgoingContext(ctx, "x-tenant", "globex"),
		ptraceotlp.NewExportRequestFromTraces(gtd))
	require.NoError(t, err)

	sink.WaitForSpans(t, spans, 30*time.Second)
	sink.WaitForDataPoints(t, points, 30*time.Second)
	sink.WaitForLogRecords(t, records, 30*time.Second)

	services := map[string]bool{}
	for _, rs := range sink.AllTraces().ResourceSpans().All() {
		attrs := rs.Resource().Attributes()
		tenant := "acme"
		if ch, _ := attrs.Get("e2e.channel"); ch.Str() == "grpc" {
			tenant = "globex"
		}
		checkResource(t, attrs, table, tenant)
		svc, _ := attrs.Get("service.name")
		services[svc.Str()] = true
	}
	assert.True(t, services["checkout"] && services["service-9"], "both a table hit and a default-row miss were exercised: %v", services)
	for _, rm := range sink.AllMetrics().ResourceMetrics().All() {
		checkResource(t, rm.Resource().Attributes(), table, "acme")
	}
	for _, rl := range sink.AllLogs().ResourceLogs().All() {
		checkResource(t, rl.Resource().Attributes(), table, "acme")
	}
	assert.Positive(t, gw.Metric(t, "otelcol_processor_enrichment_lookup_hits", map[string]string{"table": "ownership"}))
	assert.Positive(t, gw.Metric(t, "otelcol_processor_enrichment_lookup_misses", map[string]string{"table": "ownership"}))
	assert.Positive(t, gw.Metric(t, "otelcol_processor_enrichment_attributes_added", map[string]string{"source": "metadata"}))
	assert.InDelta(t, float64(len(table)-1), gw.Metric(t, "otelcol_processor_enrichment_table_rows", map[string]string{"table": "ownership"}), 0)

	// A new table while the gateway runs: checkout changes team.
	updated := strings.Replace(string(content), "checkout,payments-platform,", "checkout,checkout-squad,", 1)
	require.NotEqual(t, string(content), updated)
	replaceFile(t, tablePath, updated)
	waitMetric(t, gw, "otelcol_processor_enrichment_table_reloads", 1)
	table = readOwnership(t, tablePath)
	sendAndCheck(t, gw, sink, gen, table)

	// A broken table (a duplicate key) is rejected, counted, and the previous stays.
	replaceFile(t, tablePath, updated+"checkout,someone-else,x@example.com,1,CC-9\n")
	waitMetric(t, gw, "otelcol_processor_enrichment_table_reload_failures", 1)
	sendAndCheck(t, gw, sink, gen, table)
	assert.Contains(t, gw.Output(), "duplicate key", "the gateway logs why the reload failed")
	gw.Stop(t)
}

func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

// sendAndCheck sends traces over OTLP/HTTP and checks them against table.
func sendAndCheck(t *testing.T, gw *e2etest.Gateway, sink *e2etest.Sink, gen *loadgen.Generator, table map[string]map[string]string) {
	t.Helper()
	sink.Reset()
	td := gen.Traces(30)
	body, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	postOTLP(t, gw, "/v1/traces", body, "acme")
	sink.WaitForSpans(t, td.SpanCount(), 30*time.Second)
	sawCheckout := false
	for _, rs := range sink.AllTraces().ResourceSpans().All() {
		checkResource(t, rs.Resource().Attributes(), table, "acme")
		if v, _ := rs.Resource().Attributes().Get("service.name"); v.Str() == "checkout" {
			sawCheckout = true
		}
	}
	assert.True(t, sawCheckout, "checkout, the changed row, was sent")
}
