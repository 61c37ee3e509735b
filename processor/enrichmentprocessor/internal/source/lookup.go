package source

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelgate/otelgate/processor/enrichmentprocessor/internal/table"
)

// Lookup adds the columns of the table row matching the record's key attributes.
type Lookup struct {
	index  int
	level  Level
	keys   []string
	action Action
	file   *table.File
}

// NewLookup returns a source looking keys up in file; index is its place in Stats.
func NewLookup(index int, level Level, keys []string, action Action, file *table.File) *Lookup {
	return &Lookup{index: index, level: level, keys: keys, action: action, file: file}
}

func (l *Lookup) Level() Level { return l.level }

func (l *Lookup) Bind(context.Context) Binding { return l }

// Apply costs one map access for the row plus the attribute writes: the key
// is built on the stack and the row's attributes are precomputed.
func (l *Lookup) Apply(attrs, resource pcommon.Map, st *Stats) {
	t := l.file.Table()
	var buf [table.MaxKeyParts]string
	vals := buf[:len(l.keys)]
	found := true
	for i, k := range l.keys {
		v, ok := attrs.Get(k)
		if !ok && l.level == LevelRecord {
			v, ok = resource.Get(k)
		}
		if !ok {
			found = false
			break
		}
		if v.Type() == pcommon.ValueTypeStr {
			vals[i] = v.Str()
		} else {
			vals[i] = v.AsString()
		}
	}
	var row *table.Row
	if found {
		row = t.Lookup(vals)
	}
	if row != nil {
		st.Hits[l.index]++
	} else {
		st.Misses[l.index]++
		if row = t.Default(); row == nil {
			return
		}
	}
	for i := range row.Attrs {
		a := &row.Attrs[i]
		if l.action.Put(attrs, a.Key, a.Value) {
			st.Added[KindLookup]++
		}
	}
}
