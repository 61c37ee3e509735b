package faultsink

import (
	"strconv"
	"strings"
)

// AdjustedCount is the number of spans a kept span stands for, from the
// OpenTelemetry sampling threshold in its W3C tracestate: with ot=th:T (T up
// to 14 hex digits, right-padded with zeros to 56 bits) the span was kept
// with probability p = 1 - T/2^56 and stands for 1/p spans. A span without a
// (valid) threshold stands for itself.
func AdjustedCount(tracestate string) float64 {
	for _, member := range strings.Split(tracestate, ",") {
		v, ok := strings.CutPrefix(strings.TrimSpace(member), "ot=")
		if !ok {
			continue
		}
		for _, kv := range strings.Split(v, ";") {
			th, ok := strings.CutPrefix(kv, "th:")
			if !ok || th == "" || len(th) > 14 {
				continue
			}
			t, err := strconv.ParseUint(th, 16, 64)
			if err != nil {
				return 1
			}
			t <<= 4 * (14 - len(th))
			const max = uint64(1) << 56
			return float64(max) / float64(max-t)
		}
	}
	return 1
}
