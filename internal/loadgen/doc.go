// Package loadgen builds realistic OTLP telemetry deterministically and sends
// it to an OTLP endpoint while counting exactly what the server acknowledged.
//
// # Data
//
// [New] returns a [Generator] for a [Config]. Its three methods each continue
// their own stream (traces, metric data points, log records), independent of
// each other:
//
//   - [Generator.Traces](n) returns the next n traces, each exactly
//     Config.SpansPerTrace spans, grouped by resource.
//   - [Generator.Metrics](points) returns the next points data points spread
//     over four metrics (a cumulative sum, a delta sum, a gauge and an
//     explicit-bucket histogram), each with Config.MetricSeries series.
//   - [Generator.Logs](n) returns the next n log records.
//
// Every item is a pure function of the seed and of its position in its
// stream, so the same Config and the same sequence of calls give identical
// data, trace and span IDs and timestamps included: a test regenerates with
// the seed and predicts exactly what was sent. Splitting a stream differently
// (Traces(20) versus Traces(10) twice) yields the same items, grouped into
// different values.
//
// # Sending
//
// [NewSender] prebuilds, for every signal asked for, a pool of marshalled
// export requests taken from a Generator (request i of the pool is the i-th
// call of Traces(Batch/SpansPerTrace), Metrics(Batch) or Logs(Batch) on
// New(RunConfig.Generator)), then
// [Sender.Run] sends request k of a signal as pool[k % PoolSize] over
// OTLP/gRPC or OTLP/HTTP (protobuf), on RunConfig.Connections concurrent
// connections per signal, at a fixed rate or as fast as the server answers,
// until a duration has passed or a count of items was sent. The hot loop
// only writes prebuilt bytes. Nothing is retried and nothing is dropped
// silently: every request ends either acknowledged (its items minus the
// partial-success rejected count are Acknowledged) or failed (its items are
// FailedItems and its error is kept in Errors).
//
// # Example
//
// A test that sends 10,000 spans through a gateway and predicts them:
//
//	gen := loadgen.DefaultConfig() // 10 spans per trace
//	res, err := loadgen.Run(ctx, loadgen.RunConfig{
//		Endpoint:  gatewayGRPCEndpoint,
//		Count:     10_000,
//		Batch:     100, // 10 traces per request: 100 requests
//		PoolSize:  100, // each prebuilt request is sent exactly once
//		Generator: gen,
//	})
//	// When the gateway took everything, err == nil, res.OK() and
//	// res.Traces.Acknowledged == 10_000, and the spans sent are those of
//	// 100 successive calls of loadgen.New(gen).Traces(10).
package loadgen
