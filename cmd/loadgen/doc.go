// Command loadgen sends realistic, reproducible OTLP traces, metrics and logs
// to a collector and reports what the server acknowledged.
package main
