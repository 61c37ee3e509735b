package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
)

// MaxDecoded bounds what Decode returns, so a small hostile input cannot
// expand into unbounded memory.
const MaxDecoded = 256 << 20

// ErrTooLarge is returned by Decode when the decoded payload exceeds MaxDecoded.
var ErrTooLarge = errors.New("decoded payload exceeds the size limit")

// Codec is one content coding.
type Codec interface {
	// Name is the wire name: the HTTP Content-Encoding and the gRPC grpc-encoding.
	Name() string
	// Levels returns the smallest, largest and default level the codec accepts.
	Levels() (lowest, highest, def int)
	// Encode appends the encoding of src to dst[:0] and returns it.
	// The level must lie within Levels; callers validate it beforehand.
	Encode(dst, src []byte, level int) []byte
	// Decode returns the decoded src, at most MaxDecoded bytes.
	Decode(src []byte) ([]byte, error)
}

// None is the name of the identity coding.
const None = "none"

var registry = map[string]Codec{}

func register(c Codec) { registry[c.Name()] = c }

func init() {
	register(identity{})
	register(&gzipCodec{})
	register(&zstdCodec{})
	register(snappyBlock{})
	register(&snappyFramed{})
	register(&zlibCodec{name: "zlib"})
	register(&zlibCodec{name: "deflate"})
	register(&lz4Codec{})
	register(&brotliCodec{})
}

// aliases maps accepted spellings to wire names.
var aliases = map[string]string{"": None, "brotli": "br", "identity": None}

// Canonical returns the wire name for a configured codec name.
func Canonical(name string) string {
	if a, ok := aliases[name]; ok {
		return a
	}
	return name
}

// Lookup returns the codec registered under name (or one of its aliases).
func Lookup(name string) (Codec, bool) {
	c, ok := registry[Canonical(name)]
	return c, ok
}

// Names returns every registered wire name, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// CheckLevel reports whether level is valid for the named codec.
func CheckLevel(name string, level int) error {
	c, ok := Lookup(name)
	if !ok {
		return fmt.Errorf("unknown codec %q (known: %v)", name, Names())
	}
	lo, hi, _ := c.Levels()
	if level < lo || level > hi {
		return fmt.Errorf("level %d out of range [%d, %d] for codec %q", level, lo, hi, c.Name())
	}
	return nil
}

// appendWriter is an io.Writer appending to a byte slice, so streaming
// encoders write straight into the caller's buffer.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// readAllLimited reads r to the end, failing once more than MaxDecoded bytes come out.
func readAllLimited(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, MaxDecoded+1))
	if err != nil {
		return nil, err
	}
	if n > MaxDecoded {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

// levelPools keeps one sync.Pool-like free list per level.
type levelPools[T any] struct {
	lo    int
	pools []pool[T]
}

func newLevelPools[T any](lo, hi int, mk func(level int) T) *levelPools[T] {
	lp := &levelPools[T]{lo: lo, pools: make([]pool[T], hi-lo+1)}
	for i := range lp.pools {
		level := lo + i
		lp.pools[i].mk = func() T { return mk(level) }
	}
	return lp
}

func (lp *levelPools[T]) get(level int) T    { return lp.pools[level-lp.lo].get() }
func (lp *levelPools[T]) put(level int, v T) { lp.pools[level-lp.lo].put(v) }

// streamWriter is a pooled stream encoder that can be pointed at a new output.
type streamWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

// encodeStream compresses src at level with a pooled writer, appending to
// dst[:0]; the writer is detached from the output before it goes back.
func encodeStream[W streamWriter](lp *levelPools[W], dst, src []byte, level int) []byte {
	out := &appendWriter{b: dst[:0]}
	w := lp.get(level)
	w.Reset(out)
	_, _ = w.Write(src) // appendWriter never fails
	_ = w.Close()
	w.Reset(nil)
	lp.put(level, w)
	return out.b
}
