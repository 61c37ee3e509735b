// Package loadshed holds the controller that lowers the sampling rate while the
// backend struggles and restores it when the backend is healthy again.
package loadshed // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor/internal/loadshed"
