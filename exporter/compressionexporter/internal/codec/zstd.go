package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"

import (
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// zstdCodec is Zstandard (RFC 8878). Levels follow the zstd scale 1 to 22,
// default 3; the encoder maps them onto its four speeds (1-2 fastest, 3-5
// default, 6-9 better, 10-22 best). One encoder per speed serves every request
// through EncodeAll, which is safe for concurrent use.
type zstdCodec struct {
	mu   sync.Mutex
	encs [zstd.SpeedBestCompression + 1]*zstd.Encoder
	dec  onceValue[*zstd.Decoder]
}

func (*zstdCodec) Name() string            { return "zstd" }
func (*zstdCodec) Levels() (int, int, int) { return 1, 22, 3 }

func (c *zstdCodec) encoder(level int) *zstd.Encoder {
	speed := zstd.EncoderLevelFromZstd(level)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.encs[speed]; e != nil {
		return e
	}
	e, _ := zstd.NewWriter(nil, // options are constant and valid
		zstd.WithEncoderLevel(speed),
		zstd.WithEncoderConcurrency(encoderConcurrency(speed)),
		// Bounded window: OTLP requests are rarely larger, and receivers
		// decode with less memory.
		zstd.WithWindowSize(1<<20),
	)
	c.encs[speed] = e
	return e
}

func (c *zstdCodec) Encode(dst, src []byte, level int) []byte {
	return c.encoder(level).EncodeAll(src, dst[:0])
}

func (c *zstdCodec) Decode(src []byte) ([]byte, error) {
	d := c.dec.get(func() *zstd.Decoder {
		d, _ := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(MaxDecoded))
		return d
	})
	out, err := d.DecodeAll(src, nil)
	if err != nil {
		return nil, err
	}
	if len(out) > MaxDecoded {
		return nil, ErrTooLarge
	}
	return out, nil
}

// encoderConcurrency bounds how many requests one speed encodes at once. The
// encoder allocates that many states up front, and the states of the slower
// speeds are large: about 4.5 MB of match tables for "better" and 34 MB for
// "best" (levels 10 to 22), so those are capped; callers beyond the cap wait.
func encoderConcurrency(speed zstd.EncoderLevel) int {
	n := runtime.GOMAXPROCS(0)
	switch speed {
	case zstd.SpeedBestCompression:
		return min(n, 2)
	case zstd.SpeedBetterCompression:
		return min(n, 4)
	default:
		return n
	}
}
