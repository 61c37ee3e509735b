package table

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
)

// parseJSON reads an array of objects whose values are strings, numbers,
// booleans or null (an absent cell).
func parseJSON(file string, data []byte, b *builder) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return jsonError(file, data, dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return &Error{File: file, Line: lineAt(data, dec.InputOffset()), Msg: "a JSON table is an array of objects"}
	}
	rec := map[string]string{}
	var order []string
	for dec.More() {
		line := lineAt(data, skipSpace(data, dec.InputOffset()))
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return jsonError(file, data, dec, err)
		}
		if obj == nil {
			return &Error{File: file, Line: line, Msg: "a row must be an object"}
		}
		clear(rec)
		order = order[:0]
		for k, v := range obj {
			s, err := scalar(v)
			if err != nil {
				return &Error{File: file, Line: line, Msg: fmt.Sprintf("column %q: %v", k, err)}
			}
			rec[k] = s
			order = append(order, k)
		}
		sort.Strings(order)
		if err := b.add(line, rec, order); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return jsonError(file, data, dec, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &Error{File: file, Line: lineAt(data, dec.InputOffset()), Msg: "unexpected content after the array"}
	}
	return nil
}

func scalar(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		if v {
			return "true", nil
		}
		return "false", nil
	}
	return "", fmt.Errorf("value must be a string, number, boolean or null, got %T", v)
}

func jsonError(file string, data []byte, dec *json.Decoder, err error) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		off = int64(len(data))
		err = errors.New("unexpected end of file")
	}
	return &Error{File: file, Line: lineAt(data, off), Msg: err.Error()}
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',':
			off++
		default:
			return off
		}
	}
	return off
}
