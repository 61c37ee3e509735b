package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"

import (
	"bytes"

	"github.com/klauspost/compress/gzip"
)

// gzipCodec is RFC 1952 gzip, levels 1 (fastest) to 9 (smallest), default 6.
type gzipCodec struct {
	once onceValue[*levelPools[*gzip.Writer]]
}

func (*gzipCodec) Name() string            { return "gzip" }
func (*gzipCodec) Levels() (int, int, int) { return 1, 9, 6 }

func (c *gzipCodec) pools() *levelPools[*gzip.Writer] {
	return c.once.get(func() *levelPools[*gzip.Writer] {
		return newLevelPools(1, 9, func(level int) *gzip.Writer {
			w, _ := gzip.NewWriterLevel(nil, level) // level is in range
			return w
		})
	})
}

func (c *gzipCodec) Encode(dst, src []byte, level int) []byte {
	return encodeStream(c.pools(), dst, src, level)
}

func (*gzipCodec) Decode(src []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readAllLimited(r)
}
