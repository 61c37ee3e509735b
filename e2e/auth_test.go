package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/otelgate/otelgate/internal/e2etest"
)

// Test-only tokens of two tenants.
const (
	tokenAcme   = "acme-e2e-token-9f8e7d6c5b4a"
	tokenGlobex = "globex-e2e-token-1a2b3c4d5e6f"
)

func writeTokensFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	content := "tokens:\n  - tenant: acme\n    token: " + tokenAcme + "\n  - tenant: globex\n    token: " + tokenGlobex + "\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// spans returns one trace of one span of service, whose resource claims
// tenant.id claimed (none when empty).
func spans(service, claimed string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	if claimed != "" {
		rs.Resource().Attributes().PutStr("tenant.id", claimed)
	}
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetName("GET /cart")
	s.SetTraceID(pcommon.TraceID{byte(len(service)), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, byte(len(claimed))})
	s.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(time.Now().Add(-time.Second)))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	s.Status().SetCode(ptrace.StatusCodeError) // always sampled by config.yaml
	return td
}

func protoBody(t *testing.T, td ptrace.Traces) []byte {
	t.Helper()
	b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tenantsBySink returns the tenant.id the sink received per service.name
// ("<none>" when absent).
func tenantsBySink(s *e2etest.Sink) map[string][]string {
	out := map[string][]string{}
	for _, rs := range s.AllTraces().ResourceSpans().All() {
		svc, _ := rs.Resource().Attributes().Get("service.name")
		ten := "<none>"
		if v, ok := rs.Resource().Attributes().Get("tenant.id"); ok {
			ten = v.AsString()
		}
		out[svc.AsString()] = append(out[svc.AsString()], ten)
	}
	return out
}

// TestTenantComesFromToken runs config.yaml with two tenants' tokens. A client
// holding acme's token claims tenant globex by X-Tenant header and by the
// tenant.id resource attribute, over OTLP/gRPC and OTLP/HTTP: the sink sees
// acme. Requests without a token or with a wrong one are refused (HTTP 401,
// gRPC Unauthenticated), counted by reason, and never reach the sink.
func TestTenantComesFromToken(t *testing.T) {
	e2etest.SkipIfShort(t)
	sink := e2etest.StartSink(t)
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{
		Config: "config.yaml",
		Sink:   sink,
		Env:    map[string]string{"OTELGATE_TOKENS_FILE": writeTokensFile(t)},
	})
	conn, err := grpc.NewClient(gw.GRPCEndpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := ptraceotlp.NewGRPCClient(conn)
	exportGRPC := func(td ptrace.Traces, kv ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := client.Export(metadata.AppendToOutgoingContext(ctx, kv...), ptraceotlp.NewExportRequestFromTraces(td))
		return err
	}
	postHTTP := func(td ptrace.Traces, headers map[string]string) int {
		headers["Content-Type"] = "application/x-protobuf"
		code, _ := e2etest.PostOTLP(t, gw.HTTPEndpoint+"/v1/traces", protoBody(t, td), headers)
		return code
	}

	// Accepted: the tenant is the token's, whatever the client claims.
	if err := exportGRPC(spans("grpc-claims-globex", "globex"), "authorization", "Bearer "+tokenAcme, "x-tenant", "globex"); err != nil {
		t.Fatalf("gRPC with acme's token: %v", err)
	}
	if code := postHTTP(spans("http-claims-globex", "globex"), map[string]string{"Authorization": "Bearer " + tokenAcme, "X-Tenant": "globex"}); code != http.StatusOK {
		t.Fatalf("HTTP with acme's token: status %d", code)
	}
	if code := postHTTP(spans("http-globex", ""), map[string]string{"Authorization": "Bearer " + tokenGlobex}); code != http.StatusOK {
		t.Fatalf("HTTP with globex's token: status %d", code)
	}

	// Refused.
	for _, h := range []map[string]string{
		{"X-Tenant": "acme"},                           // no token
		{"Authorization": "Bearer " + tokenAcme + "0"}, // wrong token
	} {
		if code := postHTTP(spans("intruder-http", "acme"), h); code != http.StatusUnauthorized {
			t.Errorf("HTTP %v: status %d, want 401", h, code)
		}
	}
	for _, kv := range [][]string{
		{"x-tenant", "acme"},
		{"authorization", "Bearer not-" + tokenGlobex},
	} {
		err := exportGRPC(spans("intruder-grpc", "acme"), kv...)
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("gRPC %v: %v, want Unauthenticated", kv, err)
		}
		if err != nil && strings.Contains(err.Error(), "e2e-token") {
			t.Errorf("the refusal echoes the token: %v", err)
		}
	}

	sink.WaitForSpans(t, 3, 30*time.Second)
	got := tenantsBySink(sink)
	want := map[string][]string{
		"grpc-claims-globex": {"acme"},
		"http-claims-globex": {"acme"},
		"http-globex":        {"globex"},
	}
	for svc, tenants := range want {
		if strings.Join(got[svc], ",") != strings.Join(tenants, ",") {
			t.Errorf("%s: sink saw tenant.id %v, want %v", svc, got[svc], tenants)
		}
	}
	for svc := range got {
		if strings.HasPrefix(svc, "intruder") {
			t.Errorf("unauthenticated data reached the sink: %s", svc)
		}
	}
	for reason, want := range map[string]float64{"missing": 2, "unknown_token": 2} {
		if n := gw.Metric(t, "otelcol_extension_tenant_auth_rejected", map[string]string{"reason": reason}); n != want {
			t.Errorf("rejected{reason=%s} = %v, want %v", reason, n, want)
		}
	}
	if n := gw.Metric(t, "otelcol_extension_tenant_auth_authenticated", map[string]string{"tenant": "acme"}); n != 2 {
		t.Errorf("authenticated{tenant=acme} = %v, want 2", n)
	}
	if strings.Contains(gw.Output(), "e2e-token") {
		t.Errorf("a token appears in the gateway's log")
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key, and
// returns their paths and a pool trusting the certificate.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "otelgate-e2e"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLSOverlay runs config.yaml merged with deploy/tls.yaml: both receivers
// speak TLS only, and the token still decides the tenant.
func TestTLSOverlay(t *testing.T) {
	e2etest.SkipIfShort(t)
	certFile, keyFile, pool := writeCert(t)
	sink := e2etest.StartSink(t)
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{
		Config: "config.yaml",
		Args:   []string{"--config", "deploy/tls.yaml"},
		Sink:   sink,
		Env: map[string]string{
			"OTELGATE_TOKENS_FILE":   writeTokensFile(t),
			"OTELGATE_TLS_CERT_FILE": certFile,
			"OTELGATE_TLS_KEY_FILE":  keyFile,
		},
	})
	tlsConf := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	conn, err := grpc.NewClient(gw.GRPCEndpoint, grpc.WithTransportCredentials(credentials.NewTLS(tlsConf)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tokenGlobex)
	if _, err := ptraceotlp.NewGRPCClient(conn).Export(ctx, ptraceotlp.NewExportRequestFromTraces(spans("tls-grpc", "acme"))); err != nil {
		t.Fatalf("gRPC over TLS: %v", err)
	}

	httpsURL := strings.Replace(gw.HTTPEndpoint, "http://", "https://", 1) + "/v1/traces"
	req, err := http.NewRequest(http.MethodPost, httpsURL, strings.NewReader(string(protoBody(t, spans("tls-http", "acme")))))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Authorization", "Bearer "+tokenGlobex)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConf}}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("HTTPS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTPS: status %d", resp.StatusCode)
	}

	// Plaintext is refused on both protocols.
	plain, err := grpc.NewClient(gw.GRPCEndpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	pctx, pcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer pcancel()
	pctx = metadata.AppendToOutgoingContext(pctx, "authorization", "Bearer "+tokenGlobex)
	if _, err := ptraceotlp.NewGRPCClient(plain).Export(pctx, ptraceotlp.NewExportRequestFromTraces(spans("plain-grpc", ""))); err == nil {
		t.Errorf("plaintext gRPC accepted by the TLS receiver")
	}
	if resp, err := (&http.Client{Timeout: 10 * time.Second}).Post(gw.HTTPEndpoint+"/v1/traces", "application/x-protobuf", strings.NewReader("")); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plaintext HTTP accepted by the TLS receiver")
		}
	}

	sink.WaitForSpans(t, 2, 30*time.Second)
	got := tenantsBySink(sink)
	for _, svc := range []string{"tls-grpc", "tls-http"} {
		if strings.Join(got[svc], ",") != "globex" {
			t.Errorf("%s: sink saw tenant.id %v, want [globex]", svc, got[svc])
		}
	}
	if _, ok := got["plain-grpc"]; ok {
		t.Errorf("plaintext data reached the sink")
	}
}
