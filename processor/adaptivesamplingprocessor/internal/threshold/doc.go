// Package threshold implements the consistent probability sampling arithmetic of
// the OpenTelemetry specification "TraceState: Probability Sampling": 56-bit
// randomness values, 56-bit rejection thresholds and their hexadecimal encoding.
//
// # Why not contrib pkg/sampling
//
// contrib's pkg/sampling implements the same specification, and
// TestAgreesWithContrib checks that both read the same th and rv, write
// tracestates that say the same, and encode the same thresholds. The
// processor keeps this package because of the per-span cost of the two
// operations it does on every span that carries a tracestate, measured in
// one benchmark binary (contrib_test.go) on 2 shared cores, three runs each:
//
//	go test -run '^$' -bench 'ReadTraceState|WriteThreshold|FromProbabilityContrib' \
//	    -benchtime 200000x -count 3 -benchmem ./processor/adaptivesamplingprocessor/internal/threshold/
//
//	                                  otelgate                   contrib pkg/sampling
//	read th and rv from a tracestate  441-597 ns, 0 allocs       891-2827 ns, 1 alloc (32 B)
//	write a stricter th back          648-1612 ns, 1 alloc (48 B) 1106-2496 ns, 5 allocs (128 B)
//	threshold from a probability      28-36 ns, 0 allocs         13-22 ns, 0 allocs
//
// Reading is on the decision path of every span with a tracestate (before
// any rule is applied), and pkg/sampling's W3CTraceState parses and keeps
// every member where the decision needs two sub-keys of one; adopting it
// would add an allocation per such span to the sampling decision
// (BenchmarkConsistent), which must not regress. Thresholds from
// probabilities are computed once per rate change, not per span, so
// contrib's faster conversion does not matter there.
package threshold // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/threshold"
