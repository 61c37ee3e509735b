package codec

import (
	"bytes"
	stdgzip "compress/gzip"
	stdzlib "compress/zlib"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/golang/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
)

func traceRequest(t testing.TB, spans int) []byte {
	t.Helper()
	b, err := ptraceotlp.NewExportRequestFromTraces(workload.Traces(1, spans)).MarshalProto()
	require.NoError(t, err)
	return b
}

func inputs(t testing.TB) map[string][]byte {
	t.Helper()
	rnd := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 16<<10)
	for i := range random {
		random[i] = byte(rnd.UintN(256))
	}
	return map[string][]byte{
		"empty":  {},
		"byte":   {42},
		"random": random,
		"otlp":   traceRequest(t, 150),
	}
}

// TestRoundTrip encodes every input with every codec at its lowest, default
// and highest level and decodes it back to the identical bytes.
func TestRoundTrip(t *testing.T) {
	for _, name := range Names() {
		c, _ := Lookup(name)
		lo, hi, def := c.Levels()
		for _, level := range []int{lo, def, hi} {
			for in, src := range inputs(t) {
				if in == "random" && level == hi && hi != def {
					continue // slowest levels on incompressible input add time, not coverage
				}
				// Encode twice through the same pooled encoder: reuse must not leak state.
				var dst []byte
				for range 2 {
					dst = c.Encode(dst, src, level)
					got, err := c.Decode(dst)
					require.NoError(t, err, "%s level %d input %s", name, level, in)
					require.True(t, bytes.Equal(src, got), "%s level %d input %s: round trip differs", name, level, in)
				}
			}
		}
	}
}

// TestServerDecoders decodes each codec's output with the library the
// collector's receivers use, so the wire format is what servers expect.
func TestServerDecoders(t *testing.T) {
	src := traceRequest(t, 300)
	decoders := map[string]func([]byte) ([]byte, error){
		"gzip": func(b []byte) ([]byte, error) {
			r, err := stdgzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		},
		"zlib": func(b []byte) ([]byte, error) {
			r, err := stdzlib.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		},
		"deflate": func(b []byte) ([]byte, error) {
			r, err := stdzlib.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		},
		"zstd": func(b []byte) ([]byte, error) {
			d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
			if err != nil {
				return nil, err
			}
			defer d.Close()
			return d.DecodeAll(b, nil)
		},
		"snappy":     func(b []byte) ([]byte, error) { return snappy.Decode(nil, b) },
		FramedSnappy: func(b []byte) ([]byte, error) { return io.ReadAll(snappy.NewReader(bytes.NewReader(b))) },
		"lz4":        func(b []byte) ([]byte, error) { return io.ReadAll(lz4.NewReader(bytes.NewReader(b))) },
		"br":         func(b []byte) ([]byte, error) { return io.ReadAll(brotli.NewReader(bytes.NewReader(b))) },
		None:         func(b []byte) ([]byte, error) { return b, nil },
	}
	require.Len(t, decoders, len(Names()), "every codec needs a server-side decoder check")
	for _, name := range Names() {
		c, _ := Lookup(name)
		_, _, def := c.Levels()
		out := c.Encode(nil, src, def)
		got, err := decoders[name](out)
		require.NoError(t, err, name)
		assert.True(t, bytes.Equal(src, got), "%s: server decoder sees different bytes", name)
		if name != None {
			assert.Less(t, len(out), len(src)/3, "%s should compress OTLP traces at least 3x", name)
		}
	}
}

func TestLookupAndLevels(t *testing.T) {
	c, ok := Lookup("brotli")
	require.True(t, ok)
	assert.Equal(t, "br", c.Name())
	c, ok = Lookup("")
	require.True(t, ok)
	assert.Equal(t, None, c.Name())
	_, ok = Lookup("xz")
	assert.False(t, ok)

	require.NoError(t, CheckLevel("zstd", 19))
	require.ErrorContains(t, CheckLevel("zstd", 23), "level 23 out of range [1, 22]")
	require.ErrorContains(t, CheckLevel("gzip", 0), "level 0 out of range [1, 9]")
	assert.ErrorContains(t, CheckLevel("xz", 1), `unknown codec "xz"`)
}

// TestDecodeRejectsGarbage feeds corrupt input to every decoder: an error, no panic.
func TestDecodeRejectsGarbage(t *testing.T) {
	garbage := []byte("this is not a compressed stream \x00\x01\x02\xff")
	for _, name := range Names() {
		if name == None {
			continue
		}
		c, _ := Lookup(name)
		_, err := c.Decode(garbage)
		assert.Error(t, err, name)
	}
}

func FuzzDecode(f *testing.F) {
	src := traceRequest(f, 20)
	for _, name := range Names() {
		c, _ := Lookup(name)
		_, _, def := c.Levels()
		f.Add(name, c.Encode(nil, src, def))
	}
	f.Add("gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		c, ok := Lookup(name)
		if !ok {
			return
		}
		out, err := c.Decode(data)
		if err == nil && len(out) > MaxDecoded {
			t.Fatalf("%s decoded %d bytes, above the limit", name, len(out))
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	src := traceRequest(b, 2000)
	for _, name := range Names() {
		c, _ := Lookup(name)
		lo, hi, def := c.Levels()
		for _, level := range uniq(lo, def, hi) {
			b.Run(name+"/"+itoa(level), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(src)))
				var dst []byte
				for b.Loop() {
					dst = c.Encode(dst, src, level)
				}
				b.ReportMetric(float64(len(src))/float64(len(dst)), "ratio")
			})
		}
	}
}

func uniq(v ...int) []int {
	var out []int
	seen := map[int]bool{}
	for _, x := range v {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// TestZstdSlowSpeedsBounded: the slow zstd speeds keep few encoder states
// (their match tables are large), and callers beyond that wait rather than
// fail: eight concurrent encodes at level 11 all round-trip.
func TestZstdSlowSpeedsBounded(t *testing.T) {
	assert.LessOrEqual(t, encoderConcurrency(zstd.SpeedBestCompression), 2)
	assert.LessOrEqual(t, encoderConcurrency(zstd.SpeedBetterCompression), 4)
	c, _ := Lookup("zstd")
	src := traceRequest(t, 100)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			got, err := c.Decode(c.Encode(nil, src, 11))
			if err == nil && !bytes.Equal(got, src) {
				err = errors.New("round trip differs")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
