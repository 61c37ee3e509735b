package encryptionprocessor_test

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
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

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/internal/e2etest"
)

const e2eRecords = 20

// TestE2EEncryptThenDecrypt runs two built gateways: the first encrypts and
// feeds the second, which decrypts into the final sink. A tap sink records
// what travels between them: only ciphertexts. The final sink gets the
// original values, with their types.
func TestE2EEncryptThenDecrypt(t *testing.T) {
	e2etest.SkipIfShort(t)
	keys := filepath.Join(t.TempDir(), "keys.yaml")
	k, err := keyring.GenerateKey("e2e")
	require.NoError(t, err)
	r, err := keyring.NewRing([]*keyring.Key{k}, "e2e")
	require.NoError(t, err)
	require.NoError(t, keyring.WriteFile(keys, r, true))

	final := e2etest.StartSink(t)
	tap := e2etest.StartSink(t)
	dec := e2etest.StartGateway(t, e2etest.GatewayOptions{
		Config: "processor/encryptionprocessor/testdata/e2e/decrypt.yaml",
		Sink:   final,
		Env:    map[string]string{"OTELGATE_KEYS_FILE": keys},
	})
	enc := e2etest.StartGateway(t, e2etest.GatewayOptions{
		Config: "processor/encryptionprocessor/testdata/e2e/config.yaml",
		Env: map[string]string{
			"OTELGATE_KEYS_FILE":        keys,
			"OTELGATE_BACKEND_ENDPOINT": dec.GRPCEndpoint,
			"OTELGATE_TAP_ENDPOINT":     tap.GRPCEndpoint,
		},
	})

	enc.SendTraces(t, e2eTraces())
	enc.SendLogs(t, e2eLogs())
	enc.SendMetrics(t, e2eMetrics())
	final.WaitForSpans(t, e2eRecords, 30*time.Second)
	final.WaitForLogRecords(t, e2eRecords, 30*time.Second)
	final.WaitForDataPoints(t, e2eRecords, 30*time.Second)
	tap.WaitForSpans(t, e2eRecords, 30*time.Second)
	tap.WaitForLogRecords(t, e2eRecords, 30*time.Second)
	tap.WaitForDataPoints(t, e2eRecords, 30*time.Second)

	// In between: ciphertexts only.
	tb, _ := (&ptrace.ProtoMarshaler{}).MarshalTraces(tap.AllTraces())
	lb, _ := (&plog.ProtoMarshaler{}).MarshalLogs(tap.AllLogs())
	mb, _ := (&pmetric.ProtoMarshaler{}).MarshalMetrics(tap.AllMetrics())
	for i, b := range [][]byte{tb, lb, mb} {
		assert.NotContains(t, string(b), "@example.com")
		assert.NotContains(t, string(b), "u-000")
		assert.NotContains(t, string(b), "198.51.100.")
		assert.Contains(t, string(b), "enc:v1:aes256gcm:e2e:")
		if i < 2 { // user.id (deterministic) is on spans and log records
			assert.Contains(t, string(b), "enc:v1:aes256siv:e2e:")
		}
	}
	tapSpans := collectSpanAttrs(tap.AllTraces())
	require.Len(t, tapSpans, e2eRecords)
	for _, a := range tapSpans {
		assert.True(t, strings.HasPrefix(a["user.email"].(string), "enc:v1:aes256gcm:e2e:"))
		assert.True(t, strings.HasPrefix(a["user.id"].(string), "enc:v1:aes256siv:e2e:"))
		assert.Equal(t, "GET", a["http.request.method"], "unselected attributes travel in clear")
	}

	// At the end: the originals, with their types.
	finalSpans := collectSpanAttrs(final.AllTraces())
	require.Len(t, finalSpans, e2eRecords)
	seen := map[string]bool{}
	for _, a := range finalSpans {
		email := a["user.email"].(string)
		seen[email] = true
		var i int
		_, err := fmt.Sscanf(email, "user%d@example.com", &i)
		require.NoError(t, err, email)
		assert.Equal(t, fmt.Sprintf("u-%04d", i), a["user.id"])
		assert.Equal(t, int64(i), a["client.address"], "an int comes back as an int")
	}
	assert.Len(t, seen, e2eRecords)
	logs := final.AllLogs()
	n := 0
	for _, rl := range logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				assert.Equal(t, map[string]any{"msg": "login", "who": "user@example.com"}, lr.Body().AsRaw())
				v, _ := lr.Attributes().Get("user.email")
				assert.Contains(t, v.Str(), "@example.com")
				n++
			}
		}
	}
	assert.Equal(t, e2eRecords, n)
	for _, rm := range final.AllMetrics().ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				for _, dp := range m.Sum().DataPoints().All() {
					v, _ := dp.Attributes().Get("client.address")
					assert.True(t, strings.HasPrefix(v.Str(), "198.51.100."), v.Str())
				}
			}
		}
	}

	// Own metrics of both gateways.
	assert.Equal(t, float64(3*e2eRecords+2*e2eRecords+e2eRecords+e2eRecords), // spans 3, logs 2 + body, points 1
		enc.Metric(t, "otelcol_processor_encryption_values_encrypted", map[string]string{"key_id": "e2e"}))
	assert.Equal(t, float64(3*e2eRecords+2*e2eRecords+e2eRecords+e2eRecords),
		dec.Metric(t, "otelcol_processor_encryption_values_decrypted", nil))
	assert.Equal(t, float64(0), dec.Metric(t, "otelcol_processor_encryption_decrypt_failures", nil))
	assert.Equal(t, float64(1), enc.Metric(t, "otelcol_extension_keyring_active_key", map[string]string{"key_id": "e2e"}))
	// No key material in either gateway's metrics or logs (including the
	// shutdown logs), raw or in any base64 spelling.
	var telemetry strings.Builder
	for _, g := range []*e2etest.Gateway{enc, dec} {
		for _, s := range g.Scrape(t) {
			fmt.Fprintf(&telemetry, "%s %v %v\n", s.Name, s.Labels, s.Value)
		}
	}
	require.Contains(t, telemetry.String(), "otelcol_processor_encryption_values_encrypted", "metrics were scraped")
	enc.Stop(t)
	dec.Stop(t)
	for _, g := range []*e2etest.Gateway{enc, dec} {
		require.Contains(t, g.Output(), "key ring loaded", "logs were captured")
		assert.NotContains(t, g.Output(), "@example.com")
		telemetry.WriteString(g.Output())
	}
	material := keyMaterial(t, keys)
	for _, form := range []string{string(material), base64.StdEncoding.EncodeToString(material), base64.RawStdEncoding.EncodeToString(material),
		base64.URLEncoding.EncodeToString(material), base64.RawURLEncoding.EncodeToString(material), hex.EncodeToString(material)} {
		assert.NotContains(t, telemetry.String(), form)
	}
}

// keyMaterial reads the raw bytes of the only key of a key file.
func keyMaterial(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if k, ok := strings.CutPrefix(strings.TrimSpace(line), "key: "); ok {
			m, err := base64.StdEncoding.DecodeString(k)
			require.NoError(t, err)
			require.Len(t, m, keyring.KeySize)
			return m
		}
	}
	t.Fatal("no key in the key file")
	return nil
}

func collectSpanAttrs(td ptrace.Traces) []map[string]any {
	var out []map[string]any
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				out = append(out, s.Attributes().AsRaw())
			}
		}
	}
	return out
}

func e2eTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for i := range e2eRecords {
		s := spans.AppendEmpty()
		s.SetName("login")
		s.SetTraceID(pcommon.TraceID{1, byte(i)})
		s.SetSpanID(pcommon.SpanID{2, byte(i)})
		a := s.Attributes()
		a.PutStr("user.email", fmt.Sprintf("user%d@example.com", i))
		a.PutStr("user.id", fmt.Sprintf("u-%04d", i))
		a.PutInt("client.address", int64(i))
		a.PutStr("http.request.method", "GET")
	}
	return td
}

func e2eLogs() plog.Logs {
	ld := plog.NewLogs()
	recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range e2eRecords {
		lr := recs.AppendEmpty()
		body := lr.Body().SetEmptyMap()
		body.PutStr("msg", "login")
		body.PutStr("who", "user@example.com")
		lr.Attributes().PutStr("user.email", fmt.Sprintf("user%d@example.com", i))
		lr.Attributes().PutStr("user.id", fmt.Sprintf("u-%04d", i))
	}
	return ld
}

func e2eMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("logins")
	sum := m.SetEmptySum()
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	for i := range e2eRecords {
		dp := sum.DataPoints().AppendEmpty()
		dp.SetIntValue(int64(i))
		dp.Attributes().PutStr("client.address", fmt.Sprintf("198.51.100.%d", i))
	}
	return md
}
