// Package shipped measures config.yaml feature by feature. Its benchmarks
// read the shipped config.yaml the way the gateway does (environment
// variables with their defaults), build every processor of every pipeline
// from its own section with its factory, start the extensions they use, and
// time each processor alone and the whole chain on several workloads, next
// to the floor of copying the request into a consumer that does nothing.
// A line added to config.yaml is measured the next time the benchmark runs:
// no copy of the config lives here.
//
//	go test -run x -bench Shipped -benchtime 2000x ./internal/shipped/
package shipped
