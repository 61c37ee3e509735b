package compressionexporter

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"google.golang.org/grpc/encoding"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/workload"
	"github.com/otelgate/otelgate/internal/e2etest"
)

// TestPassthroughCompressor: the wrapped gRPC compressors write marked
// buffers through unchanged and compress everything else as before, so other
// gRPC users in the process are unaffected.
func TestPassthroughCompressor(t *testing.T) {
	src := bytes.Repeat([]byte("opentelemetry "), 1000)
	for name, format := range grpcCodecs {
		comp := encoding.GetCompressor(name)
		require.IsType(t, &passthroughCompressor{}, comp, name)
		require.True(t, grpcAvailable[name])

		// Unmarked: compressed by the original compressor, decompressed back.
		var wire bytes.Buffer
		w, err := comp.Compress(&wire)
		require.NoError(t, err)
		_, err = w.Write(src)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		assert.Less(t, wire.Len(), len(src)/5, name)
		r, err := comp.Decompress(bytes.NewReader(wire.Bytes()))
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, src, got, name)

		// Marked: our own encoding passes unchanged and decodes with gRPC's decompressor.
		c, _ := codec.Lookup(format)
		body := c.Encode(nil, src, 1)
		release := markPrecompressed(body)
		wire.Reset()
		w, err = comp.Compress(&wire)
		require.NoError(t, err)
		_, err = w.Write(body)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		release()
		assert.Equal(t, body, wire.Bytes(), name)
		r, err = comp.Decompress(bytes.NewReader(wire.Bytes()))
		require.NoError(t, err)
		got, err = io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, src, got, name)
		assert.False(t, isPrecompressed(body), "released after the call")
	}
}

// TestConcurrentGRPCExports: many queue consumers sending at once, each
// message marked and written through, all arrive intact.
func TestConcurrentGRPCExports(t *testing.T) {
	sink := e2etest.StartSink(t)
	cfg := staticConfig(grpcConfig(sink.GRPCEndpoint), "zstd", 0)
	q := exporterhelper.NewDefaultQueueConfig()
	q.NumConsumers = 8
	cfg.QueueConfig = configoptional.Some(q)
	env := startExporters(t, cfg)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				assert.NoError(t, env.traces.ConsumeTraces(context.Background(), workload.Traces(uint64(g*100+i), 20)))
			}
		}()
	}
	wg.Wait()
	sink.WaitForSpans(t, 8*10*20, 30*time.Second)
	assert.Equal(t, 1600, sink.Traces.SpanCount())
}

// TestSendBufferPoolClearsAtMostTwiceTheRequest: the gRPC connections'
// buffer pool hands out the next power of two for a request body (gRPC
// clears a buffer's whole capacity before copying a body into it), not
// gRPC's default 1 MiB for everything between 32 KiB and 1 MiB.
func TestSendBufferPoolClearsAtMostTwiceTheRequest(t *testing.T) {
	for size, want := range map[int]int{
		100:           256,
		3000:          4 << 10,
		33 << 10:      64 << 10,
		100 << 10:     128 << 10,
		700 << 10:     1 << 20,
		(3 << 20) + 1: 4 << 20,
	} {
		b := sendBufferPool.Get(size)
		assert.Len(t, *b, size)
		assert.Equal(t, want, cap(*b), "a %d-byte body", size)
		sendBufferPool.Put(b)
	}
	b := sendBufferPool.Get(5 << 20)
	assert.Equal(t, 5<<20, cap(*b), "beyond the largest tier: exactly the body")
}
