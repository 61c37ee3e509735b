package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"

import "sync"

// onceValue builds a value on first use, so codecs that are never configured
// allocate nothing.
type onceValue[T any] struct {
	once sync.Once
	v    T
}

func (o *onceValue[T]) get(mk func() T) T {
	o.once.Do(func() { o.v = mk() })
	return o.v
}
