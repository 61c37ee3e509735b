package table

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Format is the syntax of a table file.
// Format is the file format of a table.
type Format string

// The formats.
const (
	FormatCSV  Format = "csv"
	FormatJSON Format = "json"
	FormatYAML Format = "yaml"
)

// FormatOf returns the format a file name's extension implies, or "".
func FormatOf(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return FormatCSV
	case ".json":
		return FormatJSON
	case ".yaml", ".yml":
		return FormatYAML
	}
	return ""
}

// Spec says how a file's rows become a Table.
type Spec struct {
	Format Format
	// KeyColumns are the columns whose values, in order, form the key.
	KeyColumns []string
	// Columns are the columns added as attributes; empty means every non-key column.
	Columns []string
	// Prefix is prepended to a column name to form the attribute key.
	Prefix string
	// DefaultKey, when not empty, marks the default row: the row whose every
	// key column holds this value.
	DefaultKey string
	// MaxRows bounds the table; a file with more rows is rejected.
	MaxRows int
}

// Parse builds a Table from a file's content; errors name file and line.
func Parse(file string, data []byte, spec Spec) (*Table, error) {
	b := &builder{
		spec: spec,
		file: file,
		seen: map[string]int{},
		t:    &Table{rows: map[string]*Row{}, keyParts: len(spec.KeyColumns)},
	}
	var err error
	switch spec.Format {
	case FormatCSV:
		err = parseCSV(file, data, b)
	case FormatJSON:
		err = parseJSON(file, data, b)
	case FormatYAML:
		err = parseYAML(file, data, b)
	default:
		err = &Error{File: file, Msg: fmt.Sprintf("unknown format %q", spec.Format)}
	}
	if err != nil {
		return nil, err
	}
	return b.t, nil
}

// builder turns parsed records into rows.
type builder struct {
	spec    Spec
	file    string
	seen    map[string]int // encoded key -> line of its first row
	t       *Table
	defLine int
	keyBuf  [MaxKeyParts]string
}

func (b *builder) errorf(line int, format string, args ...any) error {
	return &Error{File: b.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// add adds one record. order lists the record's columns in the order their
// attributes are written when Spec.Columns is empty.
func (b *builder) add(line int, rec map[string]string, order []string) error {
	parts := b.keyBuf[:len(b.spec.KeyColumns)]
	isDefault := b.spec.DefaultKey != ""
	for i, c := range b.spec.KeyColumns {
		v, ok := rec[c]
		if !ok {
			return b.errorf(line, "row has no key column %q", c)
		}
		if v == "" {
			return b.errorf(line, "key column %q is empty", c)
		}
		parts[i] = v
		isDefault = isDefault && v == b.spec.DefaultKey
	}
	cols := b.spec.Columns
	if len(cols) == 0 {
		cols = order
	}
	row := &Row{Attrs: make([]Attr, 0, len(cols))}
	for _, c := range cols {
		if slices.Contains(b.spec.KeyColumns, c) {
			continue
		}
		v, ok := rec[c]
		if !ok && len(b.spec.Columns) > 0 {
			return b.errorf(line, "row has no column %q", c)
		}
		if v == "" {
			continue // an empty cell adds nothing
		}
		row.Attrs = append(row.Attrs, Attr{Key: b.spec.Prefix + c, Value: v})
	}
	if isDefault {
		if b.t.def != nil {
			return b.errorf(line, "second default row (the first is on line %d)", b.defLine)
		}
		b.t.def, b.defLine = row, line
		return nil
	}
	key := encodeKey(parts)
	if first, dup := b.seen[key]; dup {
		return b.errorf(line, "duplicate key %q (first on line %d)", strings.Join(parts, ","), first)
	}
	if b.spec.MaxRows > 0 && len(b.t.rows) >= b.spec.MaxRows {
		return b.errorf(line, "more than max_rows=%d rows", b.spec.MaxRows)
	}
	b.seen[key] = line
	b.t.rows[key] = row
	return nil
}
