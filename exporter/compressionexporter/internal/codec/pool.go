package codec // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"

import "sync"

// pool is a typed sync.Pool.
type pool[T any] struct {
	p  sync.Pool
	mk func() T
}

func (p *pool[T]) get() T {
	if v, ok := p.p.Get().(T); ok {
		return v
	}
	return p.mk()
}

func (p *pool[T]) put(v T) { p.p.Put(v) }
