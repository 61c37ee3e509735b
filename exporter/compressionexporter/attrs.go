package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
)

// Request outcomes, as the outcome attribute of the request counters.
const (
	outcomeSuccess = iota
	outcomeFailure
	outcomeRejected  // the server does not accept the codec
	outcomePermanent // the endpoint rejected the data
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"success", "failure", "rejected", "permanent"}

// The attribute sets of the exporter's measurements are built once: with a
// request split over many endpoints, building them per measurement (a sort
// and an allocation each) would cost more than routing the request.

// codecAttrs are one codec's attribute sets.
type codecAttrs struct {
	bytes    metric.AddOption // codec, signal
	requests [numOutcomes]metric.AddOption
	sendCPU  metric.AddOption // codec, phase=send
}

func newCodecAttrs(signal, wire string) *codecAttrs {
	a := &codecAttrs{
		bytes:   metric.WithAttributeSet(attribute.NewSet(attribute.String("codec", wire), attribute.String("signal", signal))),
		sendCPU: metric.WithAttributeSet(attribute.NewSet(attribute.String("codec", wire), attribute.String("phase", "send"))),
	}
	for o, name := range outcomeNames {
		a.requests[o] = metric.WithAttributeSet(attribute.NewSet(attribute.String("codec", wire),
			attribute.String("signal", signal), attribute.String("outcome", name)))
	}
	return a
}

// exporterAttrs holds the sets of every registered codec; the map is not
// written after construction.
type exporterAttrs struct {
	signal  string
	byCodec map[string]*codecAttrs
}

func newExporterAttrs(signal string) exporterAttrs {
	a := exporterAttrs{signal: signal, byCodec: map[string]*codecAttrs{}}
	for _, c := range codec.Names() {
		a.byCodec[c] = newCodecAttrs(signal, c)
	}
	return a
}

func (a exporterAttrs) codec(wire string) *codecAttrs {
	if c, ok := a.byCodec[wire]; ok {
		return c
	}
	return newCodecAttrs(a.signal, wire)
}

// endpointAttrs are one endpoint's attribute sets.
type endpointAttrs struct {
	endpoint metric.MeasurementOption // endpoint, signal
	requests [numOutcomes]metric.AddOption
}

func newEndpointAttrs(label, signal string) endpointAttrs {
	a := endpointAttrs{endpoint: metric.WithAttributeSet(attribute.NewSet(attribute.String("endpoint", label), attribute.String("signal", signal)))}
	for o, name := range outcomeNames {
		a.requests[o] = metric.WithAttributeSet(attribute.NewSet(attribute.String("endpoint", label),
			attribute.String("signal", signal), attribute.String("outcome", name)))
	}
	return a
}
