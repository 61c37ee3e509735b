// Command benche2e measures the otelgate binary end to end: for every
// pipeline config in a folder, in name order, it starts an OTLP sink and the
// gateway on free loopback ports, drives the gateway with the load generator
// for a fixed time, and reports spans/s, the gateway's CPU time per million
// spans and peak RSS, and what reached the sink, as a table on stdout and as
// a section of BENCHMARKS.md.
package main
