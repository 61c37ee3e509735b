package window

import (
	"encoding/binary"
	"errors"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Attrs is an attribute set in a compact, immutable encoding: a series
// keeps its attributes as one string instead of a pdata map (a fraction of
// the memory), and they are written back into pdata only at flush.
//
// Encoding: uvarint count, then per attribute uvarint key length, key,
// value; a value is a type byte then: string or bytes: uvarint length and
// data; int: zigzag varint; double: 8 bytes little endian; bool: 1 byte;
// map: uvarint count and attributes; slice: uvarint count and values;
// empty: nothing.
type Attrs string

const (
	tEmpty byte = iota
	tStr
	tInt
	tDouble
	tBool
	tBytes
	tMap
	tSlice
)

// EncodeAttrs encodes the attributes of m that r keeps, using buf as
// scratch space; it returns the encoding and the (possibly grown) buffer.
func EncodeAttrs(r *Reducer, m pcommon.Map, buf []byte) (Attrs, []byte) {
	buf = buf[:0]
	n := 0
	for k := range m.All() {
		if r.Keeps(k) {
			n++
		}
	}
	buf = binary.AppendUvarint(buf, uint64(n))
	for k, v := range m.All() {
		if r.Keeps(k) {
			buf = appendKV(buf, k, v)
		}
	}
	return Attrs(buf), buf
}

// AttrsOf encodes all attributes of m.
func AttrsOf(m pcommon.Map) Attrs {
	var all Reducer
	a, _ := EncodeAttrs(&all, m, nil)
	return a
}

func appendKV(buf []byte, k string, v pcommon.Value) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(k)))
	buf = append(buf, k...)
	return appendValue(buf, v)
}

func appendValue(buf []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		s := v.Str()
		buf = append(buf, tStr)
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		return append(buf, s...)
	case pcommon.ValueTypeInt:
		return binary.AppendVarint(append(buf, tInt), v.Int())
	case pcommon.ValueTypeDouble:
		return binary.LittleEndian.AppendUint64(append(buf, tDouble), math.Float64bits(v.Double()))
	case pcommon.ValueTypeBool:
		b := byte(0)
		if v.Bool() {
			b = 1
		}
		return append(buf, tBool, b)
	case pcommon.ValueTypeBytes:
		b := v.Bytes().AsRaw()
		buf = append(buf, tBytes)
		buf = binary.AppendUvarint(buf, uint64(len(b)))
		return append(buf, b...)
	case pcommon.ValueTypeMap:
		m := v.Map()
		buf = binary.AppendUvarint(append(buf, tMap), uint64(m.Len()))
		for k, mv := range m.All() {
			buf = appendKV(buf, k, mv)
		}
		return buf
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		buf = binary.AppendUvarint(append(buf, tSlice), uint64(s.Len()))
		for _, sv := range s.All() {
			buf = appendValue(buf, sv)
		}
		return buf
	}
	return append(buf, tEmpty)
}

var errCorrupt = errors.New("corrupt attribute encoding")

// CopyTo puts the attributes into dst.
func (a Attrs) CopyTo(dst pcommon.Map) error {
	d := decoder{s: string(a)}
	n := d.uvarint()
	dst.EnsureCapacity(int(min(n, 1024)))
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.str()
		d.value(dst.PutEmpty(k))
	}
	return d.err
}

type decoder struct {
	s   string
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.s = ""
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint([]byte(d.s[:min(len(d.s), binary.MaxVarintLen64)]))
	if n <= 0 {
		d.fail()
		return 0
	}
	d.s = d.s[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.fail()
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

func (d *decoder) byte1() byte {
	if len(d.s) == 0 {
		d.fail()
		return 0
	}
	b := d.s[0]
	d.s = d.s[1:]
	return b
}

func (d *decoder) value(v pcommon.Value) {
	switch d.byte1() {
	case tStr:
		v.SetStr(d.str())
	case tInt:
		x, n := binary.Varint([]byte(d.s[:min(len(d.s), binary.MaxVarintLen64)]))
		if n <= 0 {
			d.fail()
			return
		}
		d.s = d.s[n:]
		v.SetInt(x)
	case tDouble:
		if len(d.s) < 8 {
			d.fail()
			return
		}
		v.SetDouble(math.Float64frombits(binary.LittleEndian.Uint64([]byte(d.s[:8]))))
		d.s = d.s[8:]
	case tBool:
		v.SetBool(d.byte1() == 1)
	case tBytes:
		v.SetEmptyBytes().FromRaw([]byte(d.str()))
	case tMap:
		m := v.SetEmptyMap()
		n := d.uvarint()
		for i := uint64(0); i < n && d.err == nil; i++ {
			k := d.str()
			d.value(m.PutEmpty(k))
		}
	case tSlice:
		s := v.SetEmptySlice()
		n := d.uvarint()
		for i := uint64(0); i < n && d.err == nil; i++ {
			d.value(s.AppendEmpty())
		}
	case tEmpty:
	default:
		d.fail()
	}
}
