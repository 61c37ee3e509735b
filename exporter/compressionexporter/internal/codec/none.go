package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"

// identity sends the bytes as they are.
type identity struct{}

func (identity) Name() string                         { return None }
func (identity) Levels() (int, int, int)              { return 0, 0, 0 }
func (identity) Encode(dst, src []byte, _ int) []byte { return append(dst[:0], src...) }

func (identity) Decode(src []byte) ([]byte, error) {
	if len(src) > MaxDecoded {
		return nil, ErrTooLarge
	}
	return append([]byte(nil), src...), nil
}
