package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"

import (
	"bytes"

	"github.com/andybalholm/brotli"
)

// brotliCodec is Brotli (RFC 7932), wire name "br". Levels 1 to 11, default 5.
// The collector's own receivers do not decode it; the exporter only uses it
// for endpoints configured as accepting it.
type brotliCodec struct {
	once onceValue[*levelPools[*brotli.Writer]]
}

func (*brotliCodec) Name() string            { return "br" }
func (*brotliCodec) Levels() (int, int, int) { return 1, 11, 5 }

func (c *brotliCodec) pools() *levelPools[*brotli.Writer] {
	return c.once.get(func() *levelPools[*brotli.Writer] {
		return newLevelPools(1, 11, func(level int) *brotli.Writer {
			return brotli.NewWriterLevel(nil, level)
		})
	})
}

func (c *brotliCodec) Encode(dst, src []byte, level int) []byte {
	return encodeStream(c.pools(), dst, src, level)
}

func (*brotliCodec) Decode(src []byte) ([]byte, error) {
	return readAllLimited(brotli.NewReader(bytes.NewReader(src)))
}
