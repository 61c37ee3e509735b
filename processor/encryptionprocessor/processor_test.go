package encryptionprocessor

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"

	"github.com/otelgate/otelgate/extension/keyringextension"
	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

var (
	tracesProto  = &ptrace.ProtoMarshaler{}
	metricsProto = &pmetric.ProtoMarshaler{}
	logsProto    = &plog.ProtoMarshaler{}
)

func tracesBytes(t *testing.T, td ptrace.Traces) []byte {
	t.Helper()
	b, err := tracesProto.MarshalTraces(td)
	require.NoError(t, err)
	return b
}

func metricsBytes(t *testing.T, md pmetric.Metrics) []byte {
	t.Helper()
	b, err := metricsProto.MarshalMetrics(md)
	require.NoError(t, err)
	return b
}

func logsBytes(t *testing.T, ld plog.Logs) []byte {
	t.Helper()
	b, err := logsProto.MarshalLogs(ld)
	require.NoError(t, err)
	return b
}

// checkEncrypted asserts that every selected attribute of m is an encrypted
// string of algorithm alg under key keyID and that the unselected one is
// untouched; it returns the number of encrypted values.
func checkEncrypted(t *testing.T, m pcommon.Map, alg, keyID string) int {
	t.Helper()
	n := 0
	for k, v := range m.All() {
		if k == "service.note" {
			assert.Equal(t, "kept in clear", v.Str())
			continue
		}
		require.Equal(t, pcommon.ValueTypeStr, v.Type(), k)
		require.True(t, strings.HasPrefix(v.Str(), codec.Prefix+alg+":"+keyID+":"), "%s = %s", k, v.Str())
		n++
	}
	return n
}

func TestRoundTripAllSignalsLevelsTypesAlgorithms(t *testing.T) {
	for _, alg := range keyring.Algorithms() {
		t.Run(alg.String(), func(t *testing.T) {
			h, _ := startKeyring(t, inlineRing("k1", map[string]string{"k1": testKey1}), nopSettings())
			enc := newPipeline(t, cfgWith(ActionEncrypt, func(c *Config) { c.Algorithm = alg.String(); c.LogBody = true }), h, nopSettings())
			dec := newPipeline(t, cfgWith(ActionDecrypt, func(c *Config) { c.LogBody = true; c.OnError = OnErrorDropRecord }), h, nopSettings())
			ctx := context.Background()

			// Traces: resource, scope, span, event and link attributes.
			orig := sampleTraces()
			in := ptrace.NewTraces()
			orig.CopyTo(in)
			require.NoError(t, enc.Traces.ConsumeTraces(ctx, in))
			mid := enc.TracesSink.AllTraces()[0]
			assert.NotContains(t, string(tracesBytes(t, mid)), "alice")
			rs := mid.ResourceSpans().At(0)
			n := checkEncrypted(t, rs.Resource().Attributes(), alg.String(), "k1")
			n += checkEncrypted(t, rs.ScopeSpans().At(0).Scope().Attributes(), alg.String(), "k1")
			for i := 0; i < rs.ScopeSpans().At(0).Spans().Len(); i++ {
				s := rs.ScopeSpans().At(0).Spans().At(i)
				n += checkEncrypted(t, s.Attributes(), alg.String(), "k1")
				n += checkEncrypted(t, s.Events().At(0).Attributes(), alg.String(), "k1")
				n += checkEncrypted(t, s.Links().At(0).Attributes(), alg.String(), "k1")
			}
			assert.Equal(t, 8*selectedPerMap, n)
			require.NoError(t, dec.Traces.ConsumeTraces(ctx, mid))
			assert.Equal(t, tracesBytes(t, orig), tracesBytes(t, dec.TracesSink.AllTraces()[0]), "decrypt(encrypt(traces)) == traces")

			// Metrics: every data point type.
			om := sampleMetrics()
			inm := pmetric.NewMetrics()
			om.CopyTo(inm)
			require.NoError(t, enc.Metrics.ConsumeMetrics(ctx, inm))
			mm := enc.MetricsSink.AllMetrics()[0]
			assert.NotContains(t, string(metricsBytes(t, mm)), "alice")
			sm := mm.ResourceMetrics().At(0).ScopeMetrics().At(0)
			n = checkEncrypted(t, mm.ResourceMetrics().At(0).Resource().Attributes(), alg.String(), "k1")
			n += checkEncrypted(t, sm.Scope().Attributes(), alg.String(), "k1")
			n += checkEncrypted(t, sm.Metrics().At(0).Gauge().DataPoints().At(0).Attributes(), alg.String(), "k1")
			n += checkEncrypted(t, sm.Metrics().At(1).Sum().DataPoints().At(0).Attributes(), alg.String(), "k1")
			n += checkEncrypted(t, sm.Metrics().At(2).Histogram().DataPoints().At(0).Attributes(), alg.String(), "k1")
			n += checkEncrypted(t, sm.Metrics().At(3).ExponentialHistogram().DataPoints().At(0).Attributes(), alg.String(), "k1")
			n += checkEncrypted(t, sm.Metrics().At(4).Summary().DataPoints().At(0).Attributes(), alg.String(), "k1")
			assert.Equal(t, 7*selectedPerMap, n)
			require.NoError(t, dec.Metrics.ConsumeMetrics(ctx, mm))
			assert.Equal(t, metricsBytes(t, om), metricsBytes(t, dec.MetricsSink.AllMetrics()[0]), "decrypt(encrypt(metrics)) == metrics")

			// Logs: attributes and bodies (a map body and a string body).
			ol := sampleLogs()
			inl := plog.NewLogs()
			ol.CopyTo(inl)
			require.NoError(t, enc.Logs.ConsumeLogs(ctx, inl))
			ml := enc.LogsSink.AllLogs()[0]
			assert.NotContains(t, string(logsBytes(t, ml)), "alice")
			recs := ml.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
			for i := 0; i < recs.Len(); i++ {
				assert.True(t, strings.HasPrefix(recs.At(i).Body().Str(), codec.Prefix+alg.String()+":k1:"))
				checkEncrypted(t, recs.At(i).Attributes(), alg.String(), "k1")
			}
			require.NoError(t, dec.Logs.ConsumeLogs(ctx, ml))
			assert.Equal(t, logsBytes(t, ol), logsBytes(t, dec.LogsSink.AllLogs()[0]), "decrypt(encrypt(logs)) == logs")
		})
	}
}

// firstSpan is the first span of the first resource and scope.
func firstSpan(td ptrace.Traces) ptrace.Span {
	return td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
}

// TestDecryptFailuresPerOnError: tampered, truncated, unknown-key, moved and
// not-our-format values under a decrypt rule are kept, dropped or drop their
// record per on_error, and counted by reason; none passes as decrypted.
func TestDecryptFailuresPerOnError(t *testing.T) {
	h, _ := startKeyring(t, inlineRing("k1", map[string]string{"k1": testKey1}), nopSettings())
	enc := newPipeline(t, cfgWith(ActionEncrypt, nil), h, nopSettings())
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	for range 6 {
		s := ss.Spans().AppendEmpty()
		s.Attributes().PutStr("user.email", "alice@example.com")
		s.Attributes().PutStr("user.id", "u-1")
	}
	require.NoError(t, enc.Traces.ConsumeTraces(context.Background(), td))
	encrypted := enc.TracesSink.AllTraces()[0]
	spans := encrypted.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	good := spans.At(0).Attributes()
	email, _ := good.Get("user.email")

	// Span 0 stays valid. Span 1: tampered payload. Span 2: truncated.
	// Span 3: unknown key ID. Span 4: user.email moved into user.id.
	// Span 5: a clear-text value under a decrypt rule.
	// Another valid base64url character, so the payload still decodes and
	// only authentication can catch the change.
	tampered := []byte(email.Str())
	if tampered[len(tampered)-5] == 'A' {
		tampered[len(tampered)-5] = 'B'
	} else {
		tampered[len(tampered)-5] = 'A'
	}
	spans.At(1).Attributes().PutStr("user.email", string(tampered))
	s := email.Str()
	spans.At(2).Attributes().PutStr("user.email", s[:strings.LastIndexByte(s, ':')+1+16]) // 12 of 28+ bytes
	spans.At(3).Attributes().PutStr("user.email", strings.Replace(s, ":k1:", ":k7:", 1))
	spans.At(4).Attributes().PutStr("user.id", s)
	spans.At(5).Attributes().PutStr("user.email", "alice@example.com")

	wantReasons := map[string]int64{"tampered": 2, "truncated": 1, "unknown_key": 1, "malformed": 1}
	for _, onErr := range []string{OnErrorKeep, OnErrorDropAttribute, OnErrorDropRecord} {
		t.Run(onErr, func(t *testing.T) {
			tel := componenttest.NewTelemetry()
			defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
			dec := newPipeline(t, cfgWith(ActionDecrypt, func(c *Config) { c.OnError = onErr }), h, tel.NewTelemetrySettings())
			in := ptrace.NewTraces()
			encrypted.CopyTo(in)
			require.NoError(t, dec.Traces.ConsumeTraces(context.Background(), in))
			out := dec.TracesSink.AllTraces()
			for reason, n := range wantReasons {
				assert.Equal(t, n, testutil.IntSum(t, tel.Reader, "otelcol_processor_encryption_decrypt_failures", attribute.String("reason", reason), attribute.String("level", "record")), reason)
			}
			// Span 0 decrypts fully; spans 1..5 decrypt their other attribute,
			// except that drop_record stops at a span's first failure.
			wantDecrypted := int64(2 + 5)
			if onErr == OnErrorDropRecord {
				wantDecrypted = 2 + 1
			}
			assert.Equal(t, wantDecrypted, testutil.IntSum(t, tel.Reader, "otelcol_processor_encryption_values_decrypted", attribute.String("level", "record")))
			require.Len(t, out, 1)
			got := out[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans()
			switch onErr {
			case OnErrorKeep:
				require.Equal(t, 6, got.Len())
				v, _ := got.At(1).Attributes().Get("user.email")
				assert.Equal(t, string(tampered), v.Str(), "kept as received, not as plaintext")
				v, _ = got.At(4).Attributes().Get("user.id")
				assert.Equal(t, s, v.Str(), "a moved value stays encrypted")
			case OnErrorDropAttribute:
				require.Equal(t, 6, got.Len())
				for i, k := range []string{"", "user.email", "user.email", "user.email", "user.id", "user.email"} {
					if k == "" {
						continue
					}
					_, has := got.At(i).Attributes().Get(k)
					assert.False(t, has, "span %d %s dropped", i, k)
					assert.Equal(t, 1, got.At(i).Attributes().Len())
				}
				assert.Equal(t, int64(5), testutil.IntSum(t, tel.Reader, "otelcol_processor_encryption_attributes_dropped"))
			case OnErrorDropRecord:
				require.Equal(t, 1, got.Len())
				assert.Equal(t, int64(5), testutil.IntSum(t, tel.Reader, "otelcol_processor_encryption_records_dropped"))
			}
			v, _ := got.At(0).Attributes().Get("user.email")
			assert.Equal(t, "alice@example.com", v.Str())
		})
	}
}

func TestDropRecordAtResourceLevelDropsEverythingBelow(t *testing.T) {
	h, _ := startKeyring(t, inlineRing("k1", map[string]string{"k1": testKey1}), nopSettings())
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	dec := newPipeline(t, cfgWith(ActionDecrypt, func(c *Config) { c.OnError = OnErrorDropRecord }), h, tel.NewTelemetrySettings())
	ld := plog.NewLogs()
	bad := ld.ResourceLogs().AppendEmpty()
	bad.Resource().Attributes().PutStr("user.id", "clear text")
	for range 3 {
		bad.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("x")
	}
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("kept")
	require.NoError(t, dec.Logs.ConsumeLogs(context.Background(), ld))
	out := dec.LogsSink.AllLogs()[0]
	assert.Equal(t, 1, out.LogRecordCount())
	assert.Equal(t, "kept", out.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body().Str())
	assert.Equal(t, int64(3), testutil.IntSum(t, tel.Reader, "otelcol_processor_encryption_records_dropped"))
	assert.Equal(t, int64(1), testutil.IntSum(t, tel.Reader, "otelcol_processor_encryption_decrypt_failures", attribute.String("level", "resource"), attribute.String("reason", "malformed")))

	// Everything dropped: nothing is forwarded.
	ld2 := plog.NewLogs()
	ld2.ResourceLogs().AppendEmpty().Resource().Attributes().PutInt("user.id", 5)
	ld2.ResourceLogs().At(0).ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	require.NoError(t, dec.Logs.ConsumeLogs(context.Background(), ld2))
	assert.Len(t, dec.LogsSink.AllLogs(), 1, "an emptied batch is not forwarded")
}

// TestRotation: data encrypted before a key rotation decrypts after it, while
// new data uses the new key. The rotation is a rewrite of the key file picked
// up by the running extension.
func TestRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.yaml")
	k1, err := keyring.NewKey("k1", rawKey(t, testKey1))
	require.NoError(t, err)
	r1, err := keyring.NewRing([]*keyring.Key{k1}, "k1")
	require.NoError(t, err)
	require.NoError(t, keyring.WriteFile(path, r1, true))
	kcfg := keyringextension.NewFactory().CreateDefaultConfig().(*keyringextension.Config)
	kcfg.File = path
	kcfg.PollInterval = 20 * time.Millisecond
	h, ext := startKeyring(t, kcfg, nopSettings())
	enc := newPipeline(t, cfgWith(ActionEncrypt, nil), h, nopSettings())
	dec := newPipeline(t, cfgWith(ActionDecrypt, func(c *Config) { c.OnError = OnErrorDropRecord }), h, nopSettings())
	ctx := context.Background()

	before := sampleTraces()
	in := ptrace.NewTraces()
	before.CopyTo(in)
	require.NoError(t, enc.Traces.ConsumeTraces(ctx, in))
	oldCipher := enc.TracesSink.AllTraces()[0]
	checkEncrypted(t, firstSpan(oldCipher).Attributes(), "aes256gcm", "k1")

	k2, err := keyring.NewKey("k2", rawKey(t, testKey2))
	require.NoError(t, err)
	r2, err := keyring.NewRing([]*keyring.Key{k1, k2}, "k2")
	require.NoError(t, err)
	require.NoError(t, keyring.WriteFile(path, r2, false))
	kr := ext.(keyringextension.Keyring)
	require.Eventually(t, func() bool { return kr.Ring().Active().ID() == "k2" }, 10*time.Second, 10*time.Millisecond)

	after := sampleTraces()
	in2 := ptrace.NewTraces()
	after.CopyTo(in2)
	require.NoError(t, enc.Traces.ConsumeTraces(ctx, in2))
	newCipher := enc.TracesSink.AllTraces()[1]
	checkEncrypted(t, firstSpan(newCipher).Attributes(), "aes256gcm", "k2")

	require.NoError(t, dec.Traces.ConsumeTraces(ctx, oldCipher))
	require.NoError(t, dec.Traces.ConsumeTraces(ctx, newCipher))
	assert.Equal(t, tracesBytes(t, before), tracesBytes(t, dec.TracesSink.AllTraces()[0]), "old data decrypts after rotation")
	assert.Equal(t, tracesBytes(t, after), tracesBytes(t, dec.TracesSink.AllTraces()[1]), "new data decrypts")
}

// TestDeterministicAcrossBatches: aes256siv gives equal ciphertexts for equal
// values in the same attribute across records and batches (joinable), and
// different ones under another key.
func TestDeterministicAcrossBatches(t *testing.T) {
	run := func(keyB64 string) []string {
		h, _ := startKeyring(t, inlineRing("k1", map[string]string{"k1": keyB64}), nopSettings())
		enc := newPipeline(t, cfgWith(ActionEncrypt, func(c *Config) {
			c.Attributes = []AttributeConfig{{Key: "user.id", Algorithm: "aes256siv"}, {Key: "user.email"}}
		}), h, nopSettings())
		var out []string
		for range 2 {
			ld := plog.NewLogs()
			recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
			for _, id := range []string{"u-1", "u-1", "u-2"} {
				a := recs.AppendEmpty().Attributes()
				a.PutStr("user.id", id)
				a.PutStr("user.email", "alice@example.com")
			}
			require.NoError(t, enc.Logs.ConsumeLogs(context.Background(), ld))
		}
		for _, ld := range enc.LogsSink.AllLogs() {
			recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
			for i := 0; i < recs.Len(); i++ {
				v, _ := recs.At(i).Attributes().Get("user.id")
				out = append(out, v.Str())
				e, _ := recs.At(i).Attributes().Get("user.email")
				require.True(t, strings.HasPrefix(e.Str(), "enc:v1:aes256gcm:"), "the default algorithm stays randomised")
			}
		}
		return out
	}
	a := run(testKey1)
	assert.Equal(t, a[0], a[1])
	assert.Equal(t, a[0], a[3], "equal across batches")
	assert.Equal(t, a[2], a[5])
	assert.NotEqual(t, a[0], a[2])
	b := run(testKey2)
	assert.NotEqual(t, a[0], b[0], "not equal across keys")
}

// TestNoKeyMaterialInLogsOrMetrics runs encryption, decryption, failures and
// a key rotation with captured logs and metrics, and finds none of the key
// bytes in them, raw or in any base64 spelling.
func TestNoKeyMaterialInLogsOrMetrics(t *testing.T) {
	tel, logs := observedTelemetry(t)
	path := filepath.Join(t.TempDir(), "keys.yaml")
	k1, _ := keyring.NewKey("k1", rawKey(t, testKey1))
	r1, _ := keyring.NewRing([]*keyring.Key{k1}, "k1")
	require.NoError(t, keyring.WriteFile(path, r1, true))
	kcfg := keyringextension.NewFactory().CreateDefaultConfig().(*keyringextension.Config)
	kcfg.File = path
	kcfg.PollInterval = 20 * time.Millisecond
	kcfg.Keys = []keyringextension.KeyConfig{{ID: "env-key", Key: configopaqueString(testKey2)}}
	set := tel.NewTelemetrySettings()
	set.Logger = logs.logger
	h, ext := startKeyring(t, kcfg, set)
	enc := newPipeline(t, cfgWith(ActionEncrypt, func(c *Config) { c.LogBody = true }), h, set)
	dec := newPipeline(t, cfgWith(ActionDecrypt, func(c *Config) { c.LogBody = true; c.OnError = OnErrorDropAttribute }), h, set)
	ctx := context.Background()
	require.NoError(t, enc.Logs.ConsumeLogs(ctx, sampleLogs()))
	require.NoError(t, dec.Logs.ConsumeLogs(ctx, enc.LogsSink.AllLogs()[0]))
	require.NoError(t, dec.Logs.ConsumeLogs(ctx, sampleLogs())) // clear text under decrypt rules: failures
	// A broken key file (with a key in it) and a reload failure.
	require.NoError(t, os.WriteFile(path, []byte("active: k1\nkeys:\n  - id: k1\n    key: {"+testKey1+"}\n"), 0o600))
	require.Eventually(t, func() bool {
		return testutil.IntSum(t, tel.Reader, "otelcol_extension_keyring_reloads", attribute.String("outcome", "failure")) >= 1
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "k1", ext.(keyringextension.Keyring).Ring().Active().ID())

	var dump bytes.Buffer
	dumpMetrics(t, tel, &dump)
	dumpLogs(logs, &dump)
	require.Contains(t, dump.String(), "otelcol_processor_encryption_values_encrypted", "metrics were captured")
	require.Contains(t, dump.String(), "key ring reload failed", "logs were captured")
	require.Contains(t, dump.String(), "k1", "key IDs may appear")
	for _, k := range []string{testKey1, testKey2} {
		for _, form := range secretForms(rawKey(t, k)) {
			assert.NotContains(t, dump.String(), form)
		}
	}
}

// TestConcurrentBatches runs batches through one encrypting and one
// decrypting processor from several goroutines (the collector may call a
// processor concurrently); with -race this checks the shared selector cache,
// and every batch must round-trip.
func TestConcurrentBatches(t *testing.T) {
	h, _ := startKeyring(t, inlineRing("k1", map[string]string{"k1": testKey1}), nopSettings())
	enc := newPipeline(t, cfgWith(ActionEncrypt, func(c *Config) { c.LogBody = true }), h, nopSettings())
	dec := newPipeline(t, cfgWith(ActionDecrypt, func(c *Config) { c.LogBody = true; c.OnError = OnErrorDropRecord }), h, nopSettings())
	want := logsBytes(t, sampleLogs())
	const workers, batches = 4, 25
	errs := make(chan error, workers)
	for range workers {
		go func() {
			for range batches {
				if err := enc.Logs.ConsumeLogs(context.Background(), sampleLogs()); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		require.NoError(t, <-errs)
	}
	encrypted := enc.LogsSink.AllLogs()
	require.Len(t, encrypted, workers*batches)
	for _, ld := range encrypted {
		require.NotContains(t, string(logsBytes(t, ld)), "alice")
	}
	for w := range workers {
		go func() {
			for _, ld := range encrypted[w*batches : (w+1)*batches] {
				if err := dec.Logs.ConsumeLogs(context.Background(), ld); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		require.NoError(t, <-errs)
	}
	got := dec.LogsSink.AllLogs()
	require.Len(t, got, workers*batches, "no record dropped")
	for _, ld := range got {
		assert.Equal(t, want, logsBytes(t, ld))
	}
}

// TestEncryptedCountsByLevel: values_encrypted counts every encrypted value
// by level, algorithm and active key ID.
func TestEncryptedCountsByLevel(t *testing.T) {
	h, _ := startKeyring(t, inlineRing("k1", map[string]string{"k1": testKey1}), nopSettings())
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	enc := newPipeline(t, cfgWith(ActionEncrypt, func(c *Config) {
		c.LogBody = true
		c.Attributes = append(c.Attributes, AttributeConfig{Key: "user.email", Algorithm: "chacha20poly1305"}) // shadowed by the first rule
	}), h, tel.NewTelemetrySettings())
	ctx := context.Background()
	require.NoError(t, enc.Traces.ConsumeTraces(ctx, sampleTraces()))
	require.NoError(t, enc.Logs.ConsumeLogs(ctx, sampleLogs()))
	want := map[string]int64{
		"resource": 2 * selectedPerMap, // one resource per signal
		"scope":    2 * selectedPerMap,
		"record":   2*selectedPerMap + 2*selectedPerMap, // two spans, two log records
		"event":    2 * selectedPerMap,
		"link":     2 * selectedPerMap,
		"body":     2,
	}
	for level, n := range want {
		assert.Equal(t, n, testutil.IntSum(t, tel.Reader, "otelcol_processor_encryption_values_encrypted", attribute.String("level", level), attribute.String("algorithm", "aes256gcm"), attribute.String("key_id", "k1")), level)
	}
	assert.Equal(t, int64(0), testutil.IntSum(t, tel.Reader, "otelcol_processor_encryption_values_encrypted", attribute.String("algorithm", "chacha20poly1305")))
}
