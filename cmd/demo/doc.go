// Command demo runs the gateway's main job on embedded defaults: it starts a
// local sink (otelgate with demo/sink.yaml, writing what it receives to files),
// starts the gateway with config.yaml pointed at it, drives a few seconds of
// realistic traces, metrics and logs through it with the load generator, stops
// both with SIGTERM and prints what happened. `make demo` runs it.
package main
