package codec // import "github.com/otelgate/otelgate/processor/encryptionprocessor/codec"

import (
	"encoding/binary"
	"errors"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Value type tags of the plaintext encoding.
const (
	tagEmpty  byte = 0x00
	tagString byte = 0x01
	tagBool   byte = 0x02
	tagInt    byte = 0x03
	tagDouble byte = 0x04
	tagBytes  byte = 0x05
	tagArray  byte = 0x06
	tagMap    byte = 0x07
)

// maxDepth bounds the nesting of arrays and maps in a decoded value.
const maxDepth = 64

var errValue = errors.New("invalid value encoding")

// AppendValue appends the canonical encoding of v to dst:
//
//	value  = tag body
//	empty  = 0x00
//	string = 0x01 uvarint(len) utf8-bytes
//	bool   = 0x02 (0x00 | 0x01)
//	int    = 0x03 int64 as 8 bytes big-endian two's complement
//	double = 0x04 IEEE 754 binary64 bits as 8 bytes big-endian
//	bytes  = 0x05 uvarint(len) bytes
//	array  = 0x06 uvarint(count) value*count
//	map    = 0x07 uvarint(count) (uvarint(len) key-bytes value)*count
//
// uvarint is the unsigned LEB128 varint of Protocol Buffers.
func AppendValue(dst []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		s := v.Str()
		dst = append(dst, tagString)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		return append(dst, s...)
	case pcommon.ValueTypeBool:
		b := byte(0)
		if v.Bool() {
			b = 1
		}
		return append(dst, tagBool, b)
	case pcommon.ValueTypeInt:
		return binary.BigEndian.AppendUint64(append(dst, tagInt), uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		return binary.BigEndian.AppendUint64(append(dst, tagDouble), math.Float64bits(v.Double()))
	case pcommon.ValueTypeBytes:
		b := v.Bytes().AsRaw()
		dst = append(dst, tagBytes)
		dst = binary.AppendUvarint(dst, uint64(len(b)))
		return append(dst, b...)
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		dst = append(dst, tagArray)
		dst = binary.AppendUvarint(dst, uint64(s.Len()))
		for i := 0; i < s.Len(); i++ {
			dst = AppendValue(dst, s.At(i))
		}
		return dst
	case pcommon.ValueTypeMap:
		m := v.Map()
		dst = append(dst, tagMap)
		dst = binary.AppendUvarint(dst, uint64(m.Len()))
		for k, mv := range m.All() {
			dst = binary.AppendUvarint(dst, uint64(len(k)))
			dst = append(dst, k...)
			dst = AppendValue(dst, mv)
		}
		return dst
	default:
		return append(dst, tagEmpty)
	}
}

// DecodeValue decodes one complete value encoded by AppendValue into v
// (replacing what v held). Trailing bytes are an error. On error v may hold a
// partial value: decode into a scratch value when that matters.
func DecodeValue(b []byte, v pcommon.Value) error {
	rest, err := decodeValue(b, v, 0)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errValue
	}
	return nil
}

func decodeValue(b []byte, v pcommon.Value, depth int) ([]byte, error) {
	if len(b) == 0 || depth > maxDepth {
		return nil, errValue
	}
	tag, b := b[0], b[1:]
	switch tag {
	case tagEmpty:
		_ = v.FromRaw(nil) // nil always succeeds
		return b, nil
	case tagString:
		s, rest, err := lengthPrefixed(b)
		if err != nil {
			return nil, err
		}
		v.SetStr(string(s))
		return rest, nil
	case tagBool:
		if len(b) < 1 || b[0] > 1 {
			return nil, errValue
		}
		v.SetBool(b[0] == 1)
		return b[1:], nil
	case tagInt:
		if len(b) < 8 {
			return nil, errValue
		}
		v.SetInt(int64(binary.BigEndian.Uint64(b)))
		return b[8:], nil
	case tagDouble:
		if len(b) < 8 {
			return nil, errValue
		}
		v.SetDouble(math.Float64frombits(binary.BigEndian.Uint64(b)))
		return b[8:], nil
	case tagBytes:
		p, rest, err := lengthPrefixed(b)
		if err != nil {
			return nil, err
		}
		v.SetEmptyBytes().FromRaw(p)
		return rest, nil
	case tagArray:
		n, rest, err := count(b)
		if err != nil {
			return nil, err
		}
		s := v.SetEmptySlice()
		s.EnsureCapacity(n)
		for range n {
			if rest, err = decodeValue(rest, s.AppendEmpty(), depth+1); err != nil {
				return nil, err
			}
		}
		return rest, nil
	case tagMap:
		n, rest, err := count(b)
		if err != nil {
			return nil, err
		}
		m := v.SetEmptyMap()
		m.EnsureCapacity(n)
		for range n {
			var k []byte
			if k, rest, err = lengthPrefixed(rest); err != nil {
				return nil, err
			}
			if _, dup := m.Get(string(k)); dup {
				return nil, errValue
			}
			if rest, err = decodeValue(rest, m.PutEmpty(string(k)), depth+1); err != nil {
				return nil, err
			}
		}
		return rest, nil
	default:
		return nil, errValue
	}
}

// lengthPrefixed splits uvarint(len) bytes off b.
func lengthPrefixed(b []byte) (p, rest []byte, err error) {
	n, w := uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil, errValue
	}
	end := w + int(n)
	return b[w:end], b[end:], nil
}

// count reads an element count, which cannot exceed the bytes left (every
// element takes at least one byte): this bounds allocation on hostile input.
func count(b []byte) (int, []byte, error) {
	n, w := uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return 0, nil, errValue
	}
	return int(n), b[w:], nil
}

// uvarint reads a minimally encoded uvarint (a longer spelling of the same
// number would make the encoding non-canonical); w <= 0 on error.
func uvarint(b []byte) (n uint64, w int) {
	n, w = binary.Uvarint(b)
	if w > 1 && b[w-1] == 0 {
		return 0, -1
	}
	return n, w
}
