package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"github.com/cespare/xxhash/v2"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/ring"
)

// Field numbers shared by the OTLP trace and logs requests:
// request.resource_{spans,logs} = 1; Resource{Spans,Logs}.resource = 1,
// .scope_{spans,logs} = 2; Scope{Spans,Logs}.{spans,log_records} = 2.
const (
	fieldResourceGroups protowire.Number = 1
	fieldScopeGroups    protowire.Number = 2
	fieldItems          protowire.Number = 2
	fieldResource       protowire.Number = 1
	spanTraceIDField    protowire.Number = 1 // Span.trace_id
	logTraceIDField     protowire.Number = 9 // LogRecord.trace_id
)

// wireSplitByTraceID splits a marshalled OTLP traces or logs request by
// the trace ID of every span or log record, working on the protobuf bytes:
// the items are copied as bytes into one request per destination, with
// their resource and scope fields, instead of being copied as pdata and
// marshalled again. Records without a trace ID go by a hash of their
// resource's bytes. ok is false when the bytes do not parse.
func wireSplitByTraceID(raw []byte, traceIDField protowire.Number, pick func(uint64) int) (map[int][]byte, bool) {
	out := map[int][]byte{}
	var lastID []byte
	lastDest := -1
	first, single := -1, true
	// One pass to find destinations; the common one-destination case
	// returns raw itself.
	type item struct {
		dest int
		b    []byte
	}
	type scope struct {
		header []byte // fields other than the items, re-emitted per destination
		items  []item
	}
	type resource struct {
		header []byte
		scopes []scope
	}
	var resources []resource
	ok := walk(raw, func(num protowire.Number, v []byte) bool {
		if num != fieldResourceGroups {
			return true // unknown top-level field: dropped, as pdata would
		}
		var r resource
		var resHash uint64
		resHashed := false
		if !walk(v, func(num protowire.Number, rv []byte) bool {
			if num != fieldScopeGroups {
				r.header = appendField(r.header, num, rv)
				if num == fieldResource {
					resHash, resHashed = xxhash.Sum64(rv), true
				}
				return true
			}
			var s scope
			if !walk(rv, func(num protowire.Number, sv []byte) bool {
				if num != fieldItems {
					s.header = appendField(s.header, num, sv)
					return true
				}
				id := fieldBytes(sv, traceIDField)
				var d int
				switch {
				case len(id) > 0 && string(id) == string(lastID) && lastDest >= 0:
					d = lastDest
				case len(id) > 0 && !allZero(id):
					d = pick(ring.KeyHash(id))
					lastID, lastDest = id, d
				default:
					if !resHashed {
						resHash, resHashed = xxhash.Sum64(nil), true
					}
					d = pick(resHash)
				}
				if first < 0 {
					first = d
				} else if d != first {
					single = false
				}
				s.items = append(s.items, item{dest: d, b: sv})
				return true
			}) {
				return false
			}
			if len(s.items) > 0 {
				r.scopes = append(r.scopes, s)
			}
			return true
		}) {
			return false
		}
		resources = append(resources, r)
		return true
	})
	if !ok {
		return nil, false
	}
	if first < 0 {
		return out, true
	}
	if single {
		out[first] = raw
		return out, true
	}
	for _, r := range resources {
		perDest := map[int][]byte{} // scope groups of this resource per destination
		for _, s := range r.scopes {
			body := map[int][]byte{}
			for _, it := range s.items {
				b, seen := body[it.dest]
				if !seen {
					b = append(b, s.header...)
				}
				body[it.dest] = appendField(b, fieldItems, it.b)
			}
			for d, b := range body {
				perDest[d] = appendField(perDest[d], fieldScopeGroups, b)
			}
		}
		for d, scopes := range perDest {
			rb := make([]byte, 0, len(r.header)+len(scopes))
			rb = append(append(rb, r.header...), scopes...)
			out[d] = appendField(out[d], fieldResourceGroups, rb)
		}
	}
	return out, true
}

// walk calls f for every length-delimited field of msg (other wire types
// are skipped); it reports false when msg does not parse or f stops.
func walk(msg []byte, f func(protowire.Number, []byte) bool) bool {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return false
		}
		msg = msg[n:]
		if typ != protowire.BytesType {
			m := protowire.ConsumeFieldValue(num, typ, msg)
			if m < 0 {
				return false
			}
			msg = msg[m:]
			continue
		}
		v, m := protowire.ConsumeBytes(msg)
		if m < 0 {
			return false
		}
		msg = msg[m:]
		if !f(num, v) {
			return false
		}
	}
	return true
}

// fieldBytes returns the first length-delimited field num of msg.
func fieldBytes(msg []byte, num protowire.Number) []byte {
	var out []byte
	walk(msg, func(n protowire.Number, v []byte) bool {
		if n == num {
			out = v
			return false
		}
		return true
	})
	return out
}

func appendField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
