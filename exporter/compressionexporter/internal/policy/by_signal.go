package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

// BySignal uses one codec and level per signal.
type BySignal map[string]Static

func (b BySignal) Choose(signal string, _ int) Choice {
	s := b[signal]
	return Choice{Codec: s.Codec, Level: s.Level, Reason: ReasonBySignal}
}
