// Package tail buffers spans per trace until a trace is ready for a decision:
// its root span was seen or it timed out, plus a delay for stragglers. It is
// bounded in traces and in spans per trace.
package tail // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/tail"
