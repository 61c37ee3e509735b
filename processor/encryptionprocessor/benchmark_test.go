package encryptionprocessor

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

var valueSizes = []int{32, 1024}

// BenchmarkSealRawAESGCM is the reference: cipher.AEAD.Seal of AES-256-GCM
// on the value bytes, with a fixed nonce and a reused output buffer.
func BenchmarkSealRawAESGCM(b *testing.B) {
	block, _ := aes.NewCipher(rawKey(b, testKey1))
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	for _, size := range valueSizes {
		b.Run(fmt.Sprintf("bytes=%d", size), func(b *testing.B) {
			pt := []byte(strings.Repeat("x", size))
			out := make([]byte, 0, size+aead.Overhead())
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				out = aead.Seal(out[:0], nonce, pt, nil)
			}
		})
	}
}

// BenchmarkSealRawChaCha20Poly1305 is the same reference for
// ChaCha20-Poly1305.
func BenchmarkSealRawChaCha20Poly1305(b *testing.B) {
	aead, _ := chacha20poly1305.New(rawKey(b, testKey1))
	nonce := make([]byte, aead.NonceSize())
	for _, size := range valueSizes {
		b.Run(fmt.Sprintf("bytes=%d", size), func(b *testing.B) {
			pt := []byte(strings.Repeat("x", size))
			out := make([]byte, 0, size+aead.Overhead())
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				out = aead.Seal(out[:0], nonce, pt, nil)
			}
		})
	}
}

// BenchmarkBase64URL is the encoding every encrypted value pays on top of the
// seal: base64url of nonce||ciphertext||tag, the format's ceiling.
func BenchmarkBase64URL(b *testing.B) {
	for _, size := range valueSizes {
		b.Run(fmt.Sprintf("bytes=%d", size), func(b *testing.B) {
			in := make([]byte, 12+size+16)
			out := make([]byte, 0, base64.RawURLEncoding.EncodedLen(len(in)))
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				out = base64.RawURLEncoding.AppendEncode(out[:0], in)
			}
		})
	}
}

// resultSink keeps BenchmarkResultString's strings from being optimised away.
var resultSink string

// BenchmarkResultString is the other cost every encrypted value pays on top
// of the seal and the encoding, and the raw seal does not: a new string of
// the encrypted value's length (header, base64url of nonce||ciphertext||tag)
// in fresh memory, which the processor hands to pdata. No bytes are
// computed: this is the allocation and the first write of each cache line.
func BenchmarkResultString(b *testing.B) {
	for _, size := range valueSizes {
		b.Run(fmt.Sprintf("bytes=%d", size), func(b *testing.B) {
			n := len("enc:v1:aes256gcm:k1:") + base64.RawURLEncoding.EncodedLen(12+2+size+16)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				buf := make([]byte, n)
				for i := 0; i < n; i += 64 {
					buf[i] = 'A'
				}
				resultSink = unsafe.String(unsafe.SliceData(buf), n)
			}
		})
	}
}

// BenchmarkEncryptValue is the full value path of the processor: type
// encoding, random nonce, seal, base64url and the string of the result.
func BenchmarkEncryptValue(b *testing.B) {
	k, err := keyring.NewKey("k1", rawKey(b, testKey1))
	require.NoError(b, err)
	for _, alg := range keyring.Algorithms() {
		for _, size := range valueSizes {
			b.Run(fmt.Sprintf("alg=%s/bytes=%d", alg, size), func(b *testing.B) {
				v := pcommon.NewValueStr(strings.Repeat("x", size))
				var c codec.Codec
				b.ReportAllocs()
				b.SetBytes(int64(size))
				for b.Loop() {
					if _, err := c.Encrypt(k, alg, codec.LevelRecord, "user.email", v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDecryptValue is the reverse path, into a reused value.
func BenchmarkDecryptValue(b *testing.B) {
	k, err := keyring.NewKey("k1", rawKey(b, testKey1))
	require.NoError(b, err)
	ring, _ := keyring.NewRing([]*keyring.Key{k}, "k1")
	for _, alg := range keyring.Algorithms() {
		for _, size := range valueSizes {
			b.Run(fmt.Sprintf("alg=%s/bytes=%d", alg, size), func(b *testing.B) {
				var c codec.Codec
				s, err := c.Encrypt(k, alg, codec.LevelRecord, "user.email", pcommon.NewValueStr(strings.Repeat("x", size)))
				require.NoError(b, err)
				into := pcommon.NewValueEmpty()
				b.ReportAllocs()
				b.SetBytes(int64(size))
				for b.Loop() {
					if err := c.Decrypt(ring, codec.LevelRecord, "user.email", s, into); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

const recordsPerBatch = 100

// benchLogs is a batch of log records with the three sensitive attributes
// and five others.
func benchLogs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "checkout")
	recs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range recordsPerBatch {
		lr := recs.AppendEmpty()
		lr.Body().SetStr("user logged in")
		a := lr.Attributes()
		a.PutStr("user.email", fmt.Sprintf("user%05d@example.com", i))
		a.PutStr("user.id", fmt.Sprintf("u-%08d", i))
		a.PutStr("client.address", fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		a.PutStr("http.request.method", "POST")
		a.PutStr("url.path", "/api/login")
		a.PutInt("http.response.status_code", 200)
		a.PutStr("server.address", "auth.internal")
		a.PutStr("user_agent.original", "Mozilla/5.0")
	}
	return ld
}

func runRecordBenchmark(b *testing.B, c consumer.Logs) {
	b.Helper()
	in := benchLogs()
	batch := plog.NewLogs()
	b.ReportAllocs()
	for b.Loop() {
		in.CopyTo(batch)
		if err := c.ConsumeLogs(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*recordsPerBatch), "ns/record")
}

// BenchmarkRecord compares, per log record with three selected attributes,
// the encryption processor with contrib's redaction processor hashing the
// same three keys. Both include the copy of the input batch (BenchmarkRecord/copy_only).
func BenchmarkRecord(b *testing.B) {
	b.Run("copy_only", func(b *testing.B) { runRecordBenchmark(b, consumertest.NewNop()) })
	for _, alg := range keyring.Algorithms() {
		b.Run("encryption/alg="+alg.String(), func(b *testing.B) {
			h, _ := startKeyring(b, inlineRing("k1", map[string]string{"k1": testKey1}), nopSettings())
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			cfg.Algorithm = alg.String()
			cfg.Attributes = []AttributeConfig{{Key: "user.email"}, {Key: "user.id"}, {Key: "client.address"}}
			p := newPipeline(b, cfg, h, nopSettings())
			runRecordBenchmark(b, p.Logs)
		})
	}
	for _, hash := range []redactionprocessor.HashFunction{redactionprocessor.HMACSHA256, redactionprocessor.SHA3, redactionprocessor.MD5} {
		b.Run("redaction/hash_function="+string(hash), func(b *testing.B) {
			f := redactionprocessor.NewFactory()
			cfg := f.CreateDefaultConfig().(*redactionprocessor.Config)
			cfg.AllowAllKeys = true
			cfg.BlockedKeyPatterns = []string{`^user\.email$`, `^user\.id$`, `^client\.address$`}
			cfg.HashFunction = hash
			if hash == redactionprocessor.HMACSHA256 {
				cfg.HMACKey = configopaqueString(testKey1)
			}
			cfg.Summary = "silent"
			require.NoError(b, cfg.Validate())
			p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
			require.NoError(b, err)
			require.NoError(b, p.Start(context.Background(), nopHost{}))
			defer func() { require.NoError(b, p.Shutdown(context.Background())) }()
			runRecordBenchmark(b, p)
		})
	}
}

type nopHost struct{}

func (nopHost) GetExtensions() map[component.ID]component.Component { return nil }

// TestRedactionBaselineHashesTheSameKeys guards the benchmark's comparison:
// the redaction configuration really replaces the three values.
func TestRedactionBaselineHashesTheSameKeys(t *testing.T) {
	f := redactionprocessor.NewFactory()
	cfg := f.CreateDefaultConfig().(*redactionprocessor.Config)
	cfg.AllowAllKeys = true
	cfg.BlockedKeyPatterns = []string{`^user\.email$`, `^user\.id$`, `^client\.address$`}
	cfg.HashFunction = redactionprocessor.HMACSHA256
	cfg.HMACKey = configopaqueString(testKey1)
	cfg.Summary = "silent"
	sink := new(consumertest.LogsSink)
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), nopHost{}))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	require.NoError(t, p.ConsumeLogs(context.Background(), benchLogs()))
	a := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
	for _, k := range []string{"user.email", "user.id", "client.address"} {
		v, _ := a.Get(k)
		require.NotContains(t, v.Str(), "0000", k)
	}
	v, _ := a.Get("url.path")
	require.Equal(t, "/api/login", v.Str())
}
