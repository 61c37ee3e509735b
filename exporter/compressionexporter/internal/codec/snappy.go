package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"

import (
	"github.com/klauspost/compress/s2"
)

// snappyBlock is the Snappy block format, what HTTP "Content-Encoding: snappy"
// means. Levels: 1 default, 2 better, 3 best; all produce plain Snappy.
type snappyBlock struct{}

func (snappyBlock) Name() string            { return "snappy" }
func (snappyBlock) Levels() (int, int, int) { return 1, 3, 1 }

func (snappyBlock) Encode(dst, src []byte, level int) []byte {
	if n := s2.MaxEncodedLen(len(src)); cap(dst) >= n {
		dst = dst[:n]
	} else {
		dst = nil
	}
	switch level {
	case 2:
		return s2.EncodeSnappyBetter(dst, src)
	case 3:
		return s2.EncodeSnappyBest(dst, src)
	default:
		return s2.EncodeSnappy(dst, src)
	}
}

func (snappyBlock) Decode(src []byte) ([]byte, error) {
	n, err := s2.DecodedLen(src)
	if err != nil {
		return nil, err
	}
	if n > MaxDecoded {
		return nil, ErrTooLarge
	}
	return s2.Decode(nil, src)
}
