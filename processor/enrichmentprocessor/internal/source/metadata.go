package source

import (
	"context"
	"strings"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// MetadataAttribute copies one request header (client metadata) to an attribute.
type MetadataAttribute struct {
	Header string // lower-cased: client.Metadata keys are case-insensitive
	Key    string
	Action Action
}

// Metadata copies allow-listed request headers, which the receiver passes on
// when its include_metadata is true. Headers not listed are never read.
type Metadata struct {
	level Level
	attrs []MetadataAttribute
}

// NewMetadata returns a source copying the headers of attrs at level.
func NewMetadata(level Level, attrs []MetadataAttribute) *Metadata {
	for i := range attrs {
		attrs[i].Header = strings.ToLower(attrs[i].Header)
	}
	return &Metadata{level: level, attrs: attrs}
}

func (m *Metadata) Level() Level { return m.level }

// Bind resolves the headers of the request once; several values of one
// header are joined with ",", as HTTP treats repeated headers.
func (m *Metadata) Bind(ctx context.Context) Binding {
	md := client.FromContext(ctx).Metadata
	var b metadataBinding
	for _, a := range m.attrs {
		vals := md.Get(a.Header)
		if len(vals) == 0 {
			continue
		}
		b = append(b, StaticAttribute{Key: a.Key, Value: strings.Join(vals, ","), Action: a.Action})
	}
	if len(b) == 0 {
		return nil
	}
	return b
}

type metadataBinding []StaticAttribute

func (b metadataBinding) Apply(attrs, _ pcommon.Map, st *Stats) {
	for i := range b {
		a := &b[i]
		if a.Action.Put(attrs, a.Key, a.Value) {
			st.Added[KindMetadata]++
		}
	}
}
