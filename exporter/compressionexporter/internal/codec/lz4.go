package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"

import (
	"bytes"

	"github.com/pierrec/lz4/v4"
)

// lz4Codec is the LZ4 frame format. Level 1 is the fast compressor (the
// default); levels 2 to 9 are the high-compression levels of the same number.
type lz4Codec struct {
	once onceValue[*levelPools[*lz4.Writer]]
}

func (*lz4Codec) Name() string            { return "lz4" }
func (*lz4Codec) Levels() (int, int, int) { return 1, 9, 1 }

var lz4Levels = [...]lz4.CompressionLevel{
	1: lz4.Fast, 2: lz4.Level2, 3: lz4.Level3, 4: lz4.Level4, 5: lz4.Level5,
	6: lz4.Level6, 7: lz4.Level7, 8: lz4.Level8, 9: lz4.Level9,
}

func (c *lz4Codec) pools() *levelPools[*lz4.Writer] {
	return c.once.get(func() *levelPools[*lz4.Writer] {
		return newLevelPools(1, 9, func(level int) *lz4.Writer {
			w := lz4.NewWriter(nil)
			_ = w.Apply(lz4.CompressionLevelOption(lz4Levels[level]), lz4.ConcurrencyOption(1))
			return w
		})
	})
}

func (c *lz4Codec) Encode(dst, src []byte, level int) []byte {
	return encodeStream(c.pools(), dst, src, level)
}

func (*lz4Codec) Decode(src []byte) ([]byte, error) {
	return readAllLimited(lz4.NewReader(bytes.NewReader(src)))
}
