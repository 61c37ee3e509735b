package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"io"
	"sync"
	"unsafe"

	_ "go.opentelemetry.io/collector/config/configgrpc" // registers the gzip, zstd and snappy compressors first
	"google.golang.org/grpc/encoding"
)

// gRPC's compressor API has no per-call context: a compressor is looked up by
// its grpc-encoding name. The exporter compresses each message itself (to
// choose the level and measure the result), then hands the compressed bytes
// to gRPC under the codec's name. The registered compressors are wrapped so
// that bytes the exporter marked as already compressed are written through
// unchanged; everything else (other exporters, and decompression for
// receivers in the same process) goes to the original compressor.

// grpcCodecs maps grpc-encoding names to the codec producing that format.
var grpcCodecs = map[string]string{
	"gzip":   "gzip",
	"zstd":   "zstd",
	"snappy": "x-snappy-framed", // gRPC's snappy is the framing format
}

// grpcAvailable holds the grpc-encoding names whose compressor was found.
var grpcAvailable = map[string]bool{}

func init() {
	for name := range grpcCodecs {
		orig := encoding.GetCompressor(name)
		if orig == nil {
			continue
		}
		if _, done := orig.(*passthroughCompressor); !done {
			encoding.RegisterCompressor(&passthroughCompressor{orig: orig})
		}
		grpcAvailable[name] = true
	}
}

// precompressed holds the message buffers currently in flight that already
// carry their encoding, keyed by the address of their first byte.
var precompressed sync.Map // uintptr -> int (length)

func markPrecompressed(b []byte) (release func()) {
	key := uintptr(unsafe.Pointer(unsafe.SliceData(b))) //nolint:gosec // G103: the address is a map key only, never dereferenced
	precompressed.Store(key, len(b))
	return func() { precompressed.Delete(key) }
}

func isPrecompressed(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	n, ok := precompressed.Load(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) //nolint:gosec // G103: the address is a map key only, never dereferenced
	return ok && n.(int) == len(b)
}

type passthroughCompressor struct {
	orig encoding.Compressor
}

func (p *passthroughCompressor) Name() string { return p.orig.Name() }

func (p *passthroughCompressor) Decompress(r io.Reader) (io.Reader, error) {
	return p.orig.Decompress(r)
}

func (p *passthroughCompressor) Compress(w io.Writer) (io.WriteCloser, error) {
	return &passthroughWriter{w: w, orig: p.orig}, nil
}

// passthroughWriter decides on the first Write: a marked buffer is written
// through, anything else is compressed by the original compressor.
type passthroughWriter struct {
	w     io.Writer
	orig  encoding.Compressor
	inner io.WriteCloser
	pass  bool
}

func (pw *passthroughWriter) Write(b []byte) (int, error) {
	if pw.inner == nil && !pw.pass {
		if isPrecompressed(b) {
			pw.pass = true
		} else {
			inner, err := pw.orig.Compress(pw.w)
			if err != nil {
				return 0, err
			}
			pw.inner = inner
		}
	}
	if pw.pass {
		return pw.w.Write(b)
	}
	return pw.inner.Write(b)
}

func (pw *passthroughWriter) Close() error {
	if pw.inner != nil {
		return pw.inner.Close()
	}
	if !pw.pass {
		// Nothing was written: produce the original compressor's empty stream.
		inner, err := pw.orig.Compress(pw.w)
		if err != nil {
			return err
		}
		return inner.Close()
	}
	return nil
}
