package table

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
)

// parseCSV reads a header row naming the columns, then one row per line.
func parseCSV(file string, data []byte, b *builder) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	r.ReuseRecord = false
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return &Error{File: file, Line: 1, Msg: "empty file: a header row is required"}
	}
	if err != nil {
		return csvError(file, err)
	}
	for i, h := range header {
		for _, prev := range header[:i] {
			if h == prev {
				return &Error{File: file, Line: 1, Msg: "duplicate column " + quote(h)}
			}
		}
	}
	for _, k := range b.spec.KeyColumns {
		if !contains(header, k) {
			return &Error{File: file, Line: 1, Msg: "header has no key column " + quote(k)}
		}
	}
	for _, c := range b.spec.Columns {
		if !contains(header, c) {
			return &Error{File: file, Line: 1, Msg: "header has no column " + quote(c)}
		}
	}
	rec := make(map[string]string, len(header))
	for {
		fields, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(file, err)
		}
		line, _ := r.FieldPos(0)
		for i, h := range header {
			rec[h] = fields[i]
		}
		if err := b.add(line, rec, header); err != nil {
			return err
		}
	}
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: file, Line: pe.Line, Msg: pe.Err.Error()}
	}
	return &Error{File: file, Msg: err.Error()}
}

func contains(s []string, v string) bool { return slices.Contains(s, v) }

func quote(s string) string { return strconv.Quote(s) }
