// Package faultsink is an OTLP backend whose faults are set while it runs:
// it can hold every acknowledgement for a delay (a slow backend), refuse a
// share of requests with gRPC Unavailable / HTTP 503 (a failing backend),
// and recover. It is the collector's own OTLP receiver (gRPC and HTTP, every
// codec the collector decodes) in the calling process, counting what it
// accepted: spans, metric points, log records, and the spans' adjusted count
// (the sum of 1/p over kept spans, from the OpenTelemetry threshold ot=th in
// their tracestate).
//
// What it refuses it does not count, and a request whose client gave up
// during the delay is refused too, so a retried request is counted once.
package faultsink
