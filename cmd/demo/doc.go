// Command demo runs the gateway's main job on embedded defaults: it starts a
// local sink (otelgate with demo/sink.yaml, writing what it receives to files),
// starts the gateway with config.yaml pointed at it, drives a few seconds of
// realistic traces, metrics and logs through it with the load generator, stops
// both with SIGTERM and prints what happened. `make demo` runs it.
//
// With --slow-delay (make demo-overload), the backend is an in-process OTLP
// sink that holds its acknowledgements for that delay between --slow-from and
// --slow-until, and the summary follows the gateway's load-shedding factor
// down and back and compares the kept spans' adjusted counts with the spans
// sampled; --overlay merges a config over --config (demo/overload.yaml puts
// load shedding on the demo's time scale).
package main
