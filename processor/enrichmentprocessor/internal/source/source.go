package source

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Kind names a source in the processor's own telemetry.
type Kind int

// The source kinds; Kinds is their number.
const (
	KindStatic Kind = iota
	KindEnvironment
	KindLookup
	KindMetadata
	KindAuth
	Kinds
)

var kindNames = [Kinds]string{"static", "environment", "lookup", "metadata", "auth"}

func (k Kind) String() string { return kindNames[k] }

// Level is where a source writes: the resource or each record (span, data
// point, log record).
type Level int

// The levels.
const (
	LevelResource Level = iota
	LevelRecord
)

// Stats counts what the sources of one request did.
type Stats struct {
	Added  [Kinds]int64
	Hits   []int64 // per lookup, indexed by Lookup.Index
	Misses []int64
}

// Source adds attributes.
type Source interface {
	Level() Level
	// Bind returns what the source applies to the records of one request,
	// or nil when it has nothing to add to them.
	Bind(ctx context.Context) Binding
}

// Binding applies a source to the attributes of one resource or record.
type Binding interface {
	// Apply writes into attrs. resource is the record's resource attributes
	// (attrs itself at resource level), where keys absent from attrs are looked up.
	Apply(attrs, resource pcommon.Map, st *Stats)
}

// Action says how a value meets an attribute already present.
type Action int

const (
	// Upsert sets the attribute whether or not it is present.
	Upsert Action = iota
	// Insert sets the attribute only when it is absent.
	Insert
	// Update sets the attribute only when it is present.
	Update
)

// Put writes v under k as a says and reports whether the map changed. It
// scans the map once: GetOrPutEmpty finds the key or appends it.
func (a Action) Put(m pcommon.Map, k, v string) bool {
	if a == Update {
		cur, ok := m.Get(k)
		if !ok || (cur.Type() == pcommon.ValueTypeStr && cur.Str() == v) {
			return false
		}
		cur.SetStr(v)
		return true
	}
	cur, loaded := m.GetOrPutEmpty(k)
	if loaded && (a == Insert || (cur.Type() == pcommon.ValueTypeStr && cur.Str() == v)) {
		return false
	}
	cur.SetStr(v)
	return true
}
