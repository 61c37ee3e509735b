package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"

import (
	"bytes"

	"github.com/klauspost/compress/zlib"
)

// zlibCodec is RFC 1950 zlib, registered as "zlib" and as "deflate" (HTTP's
// "deflate" content coding is the zlib format, and the collector's HTTP
// server decodes it so). Levels 1 to 9, default 6.
type zlibCodec struct {
	name string
	once onceValue[*levelPools[*zlib.Writer]]
}

func (c *zlibCodec) Name() string          { return c.name }
func (*zlibCodec) Levels() (int, int, int) { return 1, 9, 6 }

func (c *zlibCodec) pools() *levelPools[*zlib.Writer] {
	return c.once.get(func() *levelPools[*zlib.Writer] {
		return newLevelPools(1, 9, func(level int) *zlib.Writer {
			w, _ := zlib.NewWriterLevel(nil, level)
			return w
		})
	})
}

func (c *zlibCodec) Encode(dst, src []byte, level int) []byte {
	return encodeStream(c.pools(), dst, src, level)
}

func (*zlibCodec) Decode(src []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readAllLimited(r)
}
