// Package adaptivesamplingprocessor keeps a target share or volume of traces and
// logs per traffic class, writing each kept item's sampling threshold into its
// W3C tracestate (ot=th) so that counts derived downstream stay correct.
package adaptivesamplingprocessor // import "github.com/otelgate/otelgate/processor/adaptivesamplingprocessor"
