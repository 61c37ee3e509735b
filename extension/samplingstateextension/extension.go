package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
)

// backend is a Store with the lifecycle of the extension: a networked backend
// (Redis) connects in start and closes in shutdown; the memory backend has
// nothing to do in either.
type backend interface {
	Store
	Membership
	start(ctx context.Context) error
	shutdown(ctx context.Context) error
}

// samplingState is the extension: the Store of the configured backend with a
// component lifecycle. Processors find it by ID and use it as a Store.
type samplingState struct {
	backend
}

var (
	_ extension.Extension = (*samplingState)(nil)
	_ Store               = (*samplingState)(nil)
	_ Membership          = (*samplingState)(nil)
)

func (s *samplingState) Start(ctx context.Context, _ component.Host) error {
	return s.start(ctx)
}

func (s *samplingState) Shutdown(ctx context.Context) error {
	return s.shutdown(ctx)
}
