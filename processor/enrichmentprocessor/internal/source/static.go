package source

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// StaticAttribute is a fixed value, resolved when the configuration is loaded.
type StaticAttribute struct {
	Key    string
	Value  string
	Action Action
}

// Static writes fixed values.
type Static struct {
	level Level
	attrs []StaticAttribute
}

// NewStatic returns a source writing attrs at level.
func NewStatic(level Level, attrs []StaticAttribute) *Static {
	return &Static{level: level, attrs: attrs}
}

func (s *Static) Level() Level { return s.level }

func (s *Static) Bind(context.Context) Binding { return s }

func (s *Static) Apply(attrs, _ pcommon.Map, st *Stats) {
	for i := range s.attrs {
		a := &s.attrs[i]
		if a.Action.Put(attrs, a.Key, a.Value) {
			st.Added[KindStatic]++
		}
	}
}
