package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
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
// bounds the destinations. A first pass sizes every destination's request
// and its nested resource and scope groups; a second writes them into one
// allocation, so every item is copied once, with its resource and scope
// fields ahead of it in each destination that has items of them. Groups
// without items for a destination are left out of its request. parts[d]
// is nil for a destination without items; ok is false when the bytes do
// not parse or do not hold one item per destination.
func wireSplit(raw []byte, dests []int32, n int, resourceDest func(uint64) int) (parts [][]byte, ok bool) {
	s := splitter{
		dests: dests, resourceDest: resourceDest,
		scopeSize: make([]int, n), groupSize: make([]int, n), total: make([]int, n),
	}
	if !s.measure(raw) {
		return nil, false
	}
	return s.write(raw)
}

// destLen is the encoded length of one destination's copy of a group.
type destLen struct {
	dest int32
	len  int
}

type splitter struct {
	dests        []int32
	resourceDest func(uint64) int
	// measure's running sums, per destination; touched lists the
	// destinations with a non-zero sum.
	scopeSize, groupSize, total []int
	scopeTouched, groupTouched  []int32
	// Per resource group and per scope group, in wire order: how many
	// destinations have a copy, and their lengths (in order, flat).
	groupCounts, scopeCounts []int
	groupLens, scopeLens     []destLen
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
	item := 0
	for msg := raw; len(msg) > 0; {
		rg, rest, ok := nextField(msg)
		if !ok {
			return false
		}
		msg = rest
		if !rg.group(fieldResourceGroups) {
			continue // unknown top-level field: dropped, as pdata would
		}
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
				header += len(sg.enc)
				continue
			}
			scopeHeader := 0
			s.scopeTouched = s.scopeTouched[:0]
			for smsg := sg.val; len(smsg) > 0; {
				it, rest, ok := nextField(smsg)
				if !ok {
					return false
				}
				smsg = rest
				if !it.group(fieldItems) {
					scopeHeader += len(it.enc)
					continue
				}
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
				item++
				if s.scopeSize[d] == 0 {
					s.scopeTouched = append(s.scopeTouched, d)
				}
				s.scopeSize[d] += len(it.enc)
			}
			s.scopeCounts = append(s.scopeCounts, len(s.scopeTouched))
			for _, d := range s.scopeTouched {
				l := scopeHeader + s.scopeSize[d]
				s.scopeSize[d] = 0
				s.scopeLens = append(s.scopeLens, destLen{d, l})
				if s.groupSize[d] == 0 {
					s.groupTouched = append(s.groupTouched, d)
				}
				s.groupSize[d] += protowire.SizeTag(fieldScopeGroups) + protowire.SizeBytes(l)
			}
		}
		s.groupCounts = append(s.groupCounts, len(s.groupTouched))
		for _, d := range s.groupTouched {
			l := header + s.groupSize[d]
			s.groupSize[d] = 0
			s.groupLens = append(s.groupLens, destLen{d, l})
			s.total[d] += protowire.SizeTag(fieldResourceGroups) + protowire.SizeBytes(l)
		}
	}
	return item == len(s.dests)
}

func (s *splitter) write(raw []byte) ([][]byte, bool) {
	size := 0
	for _, t := range s.total {
		size += t
	}
	buf := make([]byte, size)
	parts := make([][]byte, len(s.total))
	off := 0
	for d, t := range s.total {
		if t > 0 {
			parts[d] = buf[off : off : off+t]
			off += t
		}
	}
	var headers, scopeHeaders [][]byte
	item, groups, scopes := 0, 0, 0
	gl, sl := s.groupLens, s.scopeLens
	for msg := raw; len(msg) > 0; {
		rg, rest, _ := nextField(msg) // measure parsed every field
		msg = rest
		if !rg.group(fieldResourceGroups) {
			continue
		}
		headers = headers[:0]
		for gmsg := rg.val; len(gmsg) > 0; {
			f, rest, _ := nextField(gmsg)
			gmsg = rest
			if !f.group(fieldScopeGroups) {
				headers = append(headers, f.enc)
			}
		}
		k := s.groupCounts[groups]
		groups++
		for _, dl := range gl[:k] {
			p := protowire.AppendTag(parts[dl.dest], fieldResourceGroups, protowire.BytesType)
			p = protowire.AppendVarint(p, uint64(dl.len))
			for _, h := range headers {
				p = append(p, h...)
			}
			parts[dl.dest] = p
		}
		gl = gl[k:]
		for gmsg := rg.val; len(gmsg) > 0; {
			sg, rest, _ := nextField(gmsg)
			gmsg = rest
			if !sg.group(fieldScopeGroups) {
				continue
			}
			k := s.scopeCounts[scopes]
			scopes++
			if k == 0 {
				continue
			}
			scopeHeaders = scopeHeaders[:0]
			for smsg := sg.val; len(smsg) > 0; {
				f, rest, _ := nextField(smsg)
				smsg = rest
				if !f.group(fieldItems) {
					scopeHeaders = append(scopeHeaders, f.enc)
				}
			}
			for _, dl := range sl[:k] {
				p := protowire.AppendTag(parts[dl.dest], fieldScopeGroups, protowire.BytesType)
				p = protowire.AppendVarint(p, uint64(dl.len))
				for _, h := range scopeHeaders {
					p = append(p, h...)
				}
				parts[dl.dest] = p
			}
			sl = sl[k:]
			for smsg := sg.val; len(smsg) > 0; {
				it, rest, _ := nextField(smsg)
				smsg = rest
				if it.group(fieldItems) {
					d := s.dests[item]
					item++
					parts[d] = append(parts[d], it.enc...)
				}
			}
		}
	}
	for d, p := range parts {
		if len(p) != s.total[d] {
			return nil, false // the sizes and the copy disagree: route the pdata instead
		}
	}
	return parts, true
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
