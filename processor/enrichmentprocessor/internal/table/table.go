package table

import (
	"encoding/binary"
	"fmt"
)

// MaxKeyParts bounds the number of attributes a composite key is built from.
const MaxKeyParts = 8

// Attr is one attribute a matching row adds: the key is already prefixed.
type Attr struct {
	Key   string
	Value string
}

// Row is the precomputed output of one table row.
type Row struct {
	Attrs []Attr
}

// Table is an immutable lookup table. It is safe for concurrent use.
type Table struct {
	rows     map[string]*Row
	def      *Row
	keyParts int
}

// Len is the number of rows, the default row not included.
func (t *Table) Len() int { return len(t.rows) }

// Default is the row used when no key matches, or nil when the table has none.
func (t *Table) Default() *Row { return t.def }

// Lookup returns the row whose key columns equal values, in key order, or nil.
// It does not allocate while the encoded key fits in 256 bytes.
func (t *Table) Lookup(values []string) *Row {
	if len(values) != t.keyParts {
		return nil
	}
	if len(values) == 1 {
		return t.rows[values[0]]
	}
	var buf [256]byte
	b := buf[:0]
	for _, v := range values {
		b = appendKeyPart(b, v)
	}
	return t.rows[string(b)]
}

// appendKeyPart encodes one part of a composite key as its length followed by
// its bytes, so that ("a,b", "c") and ("a", "b,c") never collide.
func appendKeyPart(b []byte, part string) []byte {
	b = binary.AppendUvarint(b, uint64(len(part)))
	return append(b, part...)
}

func encodeKey(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	var b []byte
	for _, p := range parts {
		b = appendKeyPart(b, p)
	}
	return string(b)
}

// Error is a table error that names the file and, when known, the line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}
