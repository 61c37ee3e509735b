package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"

import (
	"bytes"

	"github.com/klauspost/compress/s2"
)

// FramedSnappy is the wire name of the Snappy framing format. gRPC's "snappy"
// grpc-encoding uses this format.
const FramedSnappy = "x-snappy-framed"

// snappyFramed is the Snappy framing format (stream identifier, CRC-checked
// chunks). Levels as for snappyBlock.
type snappyFramed struct {
	once onceValue[*levelPools[*s2.Writer]]
}

func (*snappyFramed) Name() string            { return FramedSnappy }
func (*snappyFramed) Levels() (int, int, int) { return 1, 3, 1 }

func (c *snappyFramed) pools() *levelPools[*s2.Writer] {
	return c.once.get(func() *levelPools[*s2.Writer] {
		return newLevelPools(1, 3, func(level int) *s2.Writer {
			opts := []s2.WriterOption{s2.WriterSnappyCompat(), s2.WriterConcurrency(1)}
			switch level {
			case 2:
				opts = append(opts, s2.WriterBetterCompression())
			case 3:
				opts = append(opts, s2.WriterBestCompression())
			}
			return s2.NewWriter(nil, opts...)
		})
	})
}

func (c *snappyFramed) Encode(dst, src []byte, level int) []byte {
	return encodeStream(c.pools(), dst, src, level)
}

func (*snappyFramed) Decode(src []byte) ([]byte, error) {
	return readAllLimited(s2.NewReader(bytes.NewReader(src)))
}
