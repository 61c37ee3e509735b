package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

// Static uses one codec and level for every request.
type Static struct {
	Codec string
	Level int
}

func (s Static) Choose(string, int) Choice {
	return Choice{Codec: s.Codec, Level: s.Level, Reason: ReasonStatic}
}
