package policy // import "github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"

// MinSize sends requests smaller than Bytes uncompressed and asks Next otherwise.
type MinSize struct {
	Bytes int
	Next  Policy
}

func (m MinSize) Choose(signal string, size int) Choice {
	if size < m.Bytes {
		return Choice{Codec: "none", Reason: ReasonBelowMinSize}
	}
	return m.Next.Choose(signal, size)
}
