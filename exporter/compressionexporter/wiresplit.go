package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"sync"

	"github.com/cespare/xxhash/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers shared by the OTLP trace and logs requests:
// request.resource_{spans,logs} = 1; Resource{Spans,Logs}.resource = 1,
// .scope_{spans,logs} = 2; Scope{Spans,Logs}.{spans,log_records} = 2.
const (
	fieldResourceGroups protowire.Number = 1
	fieldScopeGroups    protowire.Number = 2
	fieldItems          protowire.Number = 2
	fieldResource       protowire.Number = 1
)

// byResource marks an item without a trace ID: it goes by a hash of its
// resource's bytes, found on the wire.
const byResource = -1

// Destinations of the items of a request, one per span or log record in
// the order the request marshals them. single is the one destination of
// every item, -1 when there are several (or an item goes by its resource),
// -2 when there are no items.

func traceDests(td ptrace.Traces, pick func(uint64) int) (dests []int32, single int) {
	dests = make([]int32, 0, td.SpanCount())
	single = -2
	var last pcommon.TraceID
	lastDest := int32(byResource)
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				lastDest, last = itemDest(spans.At(k).TraceID(), last, lastDest, pick)
				dests = append(dests, lastDest)
				single = mergeSingle(single, lastDest)
			}
		}
	}
	return dests, single
}

func logDests(ld plog.Logs, pick func(uint64) int) (dests []int32, single int) {
	dests = make([]int32, 0, ld.LogRecordCount())
	single = -2
	var last pcommon.TraceID
	lastDest := int32(byResource)
	rls := ld.ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			recs := sls.At(j).LogRecords()
			for k := range recs.Len() {
				lastDest, last = itemDest(recs.At(k).TraceID(), last, lastDest, pick)
				dests = append(dests, lastDest)
				single = mergeSingle(single, lastDest)
			}
		}
	}
	return dests, single
}

// itemDest picks the destination of a trace ID; consecutive items of one
// trace are picked once. Items without a trace ID go by their resource.
func itemDest(id, last pcommon.TraceID, lastDest int32, pick func(uint64) int) (int32, pcommon.TraceID) {
	switch {
	case id.IsEmpty():
		return byResource, last
	case id == last && lastDest >= 0:
		return lastDest, last
	}
	return int32(pick(traceIDHash(id))), id
}

func mergeSingle(single int, d int32) int {
	switch {
	case d < 0:
		return -1
	case single == -2:
		return int(d)
	case single != int(d):
		return -1
	}
	return single
}

// wireSplit splits a marshalled OTLP traces or logs request into one
// request per destination, working on the protobuf bytes: dests holds the
// destination of every item (byResource items are resolved by
// resourceDest from a hash of their resource's bytes and written back), n
// bounds the destinations. One pass parses the request once, down to the
// items, and sizes every destination's request and its nested resource and
// scope groups; a second writes them into one buffer (buf when it is large
// enough), so every item is copied once, with its resource and scope
// fields ahead of it in each destination that has items of them. Groups
// without items for a destination are left out of its request. parts[d]
// is nil for a destination without items; ok is false when the bytes do
// not parse or do not hold one item per destination.
func wireSplit(raw []byte, dests []int32, n int, resourceDest func(uint64) int, buf []byte) (parts [][]byte, used []byte, ok bool) {
	s := splitters.Get().(*splitter)
	defer s.release()
	s.reset(dests, n, resourceDest)
	if !s.measure(raw) {
		return nil, nil, false
	}
	parts, used = s.write(buf)
	return parts, used, true
}

var splitters = sync.Pool{New: func() any { return new(splitter) }}

// destLen is the encoded length of one destination's copy of a group.
type destLen struct {
	dest int32
	len  int
}

// wireGroup is a resource or scope group of the request: its header
// fields, its copies (one per destination with items in it), and its
// children (a resource group's scope groups, a scope group's items), each
// a range of the splitter's flat lists.
type wireGroup struct {
	h0, h1 int // headers
	l0, l1 int // lens
	c0, c1 int // children
}

// splitter holds one split's state; its lists are reused across splits.
type splitter struct {
	dests        []int32
	resourceDest func(uint64) int
	// measure's running sums, per destination; touched lists the
	// destinations with a non-zero sum.
	scopeSize, groupSize, total []int
	scopeTouched, groupTouched  []int32

	groups, scopes             []wireGroup
	groupHeaders, scopeHeaders [][]byte // whole field encodings
	items                      [][]byte // whole field encodings, in order (item i goes to dests[i])
	lens                       []destLen
}

func (s *splitter) reset(dests []int32, n int, resourceDest func(uint64) int) {
	s.dests, s.resourceDest = dests, resourceDest
	grow := func(v []int) []int {
		if cap(v) < n {
			return make([]int, n)
		}
		v = v[:n]
		clear(v)
		return v
	}
	s.scopeSize, s.groupSize, s.total = grow(s.scopeSize), grow(s.groupSize), grow(s.total)
	s.groups, s.scopes, s.lens = s.groups[:0], s.scopes[:0], s.lens[:0]
	s.groupHeaders, s.scopeHeaders, s.items = s.groupHeaders[:0], s.scopeHeaders[:0], s.items[:0]
}

// release drops the references into the request and returns s to the pool.
func (s *splitter) release() {
	clear(s.groupHeaders)
	clear(s.scopeHeaders)
	clear(s.items)
	s.dests, s.resourceDest = nil, nil
	splitters.Put(s)
}

// field is one field of a protobuf message: its number, wire type, value
// (of a length-delimited field) and whole encoding, tag included.
type field struct {
	num protowire.Number
	typ protowire.Type
	val []byte
	enc []byte
}

// nextField reads the first field of msg.
func nextField(msg []byte) (f field, rest []byte, ok bool) {
	num, typ, n := protowire.ConsumeTag(msg)
	if n < 0 {
		return f, nil, false
	}
	var m int
	if typ == protowire.BytesType {
		f.val, m = protowire.ConsumeBytes(msg[n:])
	} else {
		m = protowire.ConsumeFieldValue(num, typ, msg[n:])
	}
	if m < 0 {
		return f, nil, false
	}
	f.num, f.typ, f.enc = num, typ, msg[:n+m]
	return f, msg[n+m:], true
}

// group reports whether f is a length-delimited field numbered num: a
// nested group or an item; every other field of a group is its header,
// copied whole into each destination's copy.
func (f field) group(num protowire.Number) bool {
	return f.num == num && f.typ == protowire.BytesType
}

func (s *splitter) measure(raw []byte) bool {
	for msg := raw; len(msg) > 0; {
		rg, rest, ok := nextField(msg)
		if !ok {
			return false
		}
		msg = rest
		if !rg.group(fieldResourceGroups) {
			continue // unknown top-level field: dropped, as pdata would
		}
		g := wireGroup{h0: len(s.groupHeaders), c0: len(s.scopes)}
		header := 0
		resHash, hashed := uint64(0), false
		s.groupTouched = s.groupTouched[:0]
		for gmsg := rg.val; len(gmsg) > 0; {
			sg, rest, ok := nextField(gmsg)
			if !ok {
				return false
			}
			gmsg = rest
			if !sg.group(fieldScopeGroups) {
				s.groupHeaders = append(s.groupHeaders, sg.enc)
				header += len(sg.enc)
				continue
			}
			sc := wireGroup{h0: len(s.scopeHeaders), c0: len(s.items)}
			scopeHeader := 0
			s.scopeTouched = s.scopeTouched[:0]
			for smsg := sg.val; len(smsg) > 0; {
				it, rest, ok := nextField(smsg)
				if !ok {
					return false
				}
				smsg = rest
				if !it.group(fieldItems) {
					s.scopeHeaders = append(s.scopeHeaders, it.enc)
					scopeHeader += len(it.enc)
					continue
				}
				item := len(s.items)
				if item >= len(s.dests) {
					return false
				}
				d := s.dests[item]
				if d == byResource {
					if !hashed {
						resHash, hashed = xxhash.Sum64(fieldBytes(rg.val, fieldResource)), true
					}
					d = int32(s.resourceDest(resHash))
					s.dests[item] = d
				}
				if d < 0 || int(d) >= len(s.total) {
					return false
				}
				s.items = append(s.items, it.enc)
				if s.scopeSize[d] == 0 {
					s.scopeTouched = append(s.scopeTouched, d)
				}
				s.scopeSize[d] += len(it.enc)
			}
			sc.h1, sc.c1, sc.l0 = len(s.scopeHeaders), len(s.items), len(s.lens)
			for _, d := range s.scopeTouched {
				l := scopeHeader + s.scopeSize[d]
				s.scopeSize[d] = 0
				s.lens = append(s.lens, destLen{d, l})
				if s.groupSize[d] == 0 {
					s.groupTouched = append(s.groupTouched, d)
				}
				s.groupSize[d] += protowire.SizeTag(fieldScopeGroups) + protowire.SizeBytes(l)
			}
			sc.l1 = len(s.lens)
			s.scopes = append(s.scopes, sc)
		}
		g.h1, g.c1, g.l0 = len(s.groupHeaders), len(s.scopes), len(s.lens)
		for _, d := range s.groupTouched {
			l := header + s.groupSize[d]
			s.groupSize[d] = 0
			s.lens = append(s.lens, destLen{d, l})
			s.total[d] += protowire.SizeTag(fieldResourceGroups) + protowire.SizeBytes(l)
		}
		g.l1 = len(s.lens)
		s.groups = append(s.groups, g)
	}
	return len(s.items) == len(s.dests)
}

// write copies what measure found into one buffer, without parsing again.
func (s *splitter) write(buf []byte) (parts [][]byte, used []byte) {
	size := 0
	for _, t := range s.total {
		size += t
	}
	if cap(buf) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	parts = make([][]byte, len(s.total))
	off := 0
	for d, t := range s.total {
		if t > 0 {
			parts[d] = buf[off : off : off+t]
			off += t
		}
	}
	for _, g := range s.groups {
		for _, dl := range s.lens[g.l0:g.l1] {
			p := protowire.AppendTag(parts[dl.dest], fieldResourceGroups, protowire.BytesType)
			p = protowire.AppendVarint(p, uint64(dl.len))
			for _, h := range s.groupHeaders[g.h0:g.h1] {
				p = append(p, h...)
			}
			parts[dl.dest] = p
		}
		for _, sc := range s.scopes[g.c0:g.c1] {
			for _, dl := range s.lens[sc.l0:sc.l1] {
				p := protowire.AppendTag(parts[dl.dest], fieldScopeGroups, protowire.BytesType)
				p = protowire.AppendVarint(p, uint64(dl.len))
				for _, h := range s.scopeHeaders[sc.h0:sc.h1] {
					p = append(p, h...)
				}
				parts[dl.dest] = p
			}
			for i := sc.c0; i < sc.c1; i++ {
				d := s.dests[i]
				parts[d] = append(parts[d], s.items[i]...)
			}
		}
	}
	return parts, buf
}

// fieldBytes returns the first length-delimited field num of msg.
func fieldBytes(msg []byte, num protowire.Number) []byte {
	for len(msg) > 0 {
		f, rest, ok := nextField(msg)
		if !ok {
			return nil
		}
		if f.group(num) {
			return f.val
		}
		msg = rest
	}
	return nil
}
