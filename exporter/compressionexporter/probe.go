package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// healthCheck probes one endpoint every interval until it is removed and
// feeds the result to its breaker: a probe that fails opens the breaker as
// failed requests do; a passing probe closes it.
func (b *balancer) healthCheck(be *backend) {
	hc := b.cfg.HealthCheck
	tick := time.NewTicker(hc.Interval)
	defer tick.Stop()
	for {
		select {
		case <-be.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), hc.Timeout)
		err := probe(ctx, be.tr, hc.Path)
		cancel()
		if err != nil {
			b.set.Logger.Debug("Endpoint health check failed", zap.String("endpoint", be.label), zap.Error(err))
			be.br.Failure()
			continue
		}
		be.br.Success()
	}
}

// probe checks an endpoint: the gRPC health service (an endpoint that
// answers Unimplemented is up, it just has no health service), or an HTTP
// GET of path (any answer below 500 is up).
func probe(ctx context.Context, tr transport, path string) error {
	switch t := tr.(type) {
	case *grpcTransport:
		if t.conn == nil {
			return errors.New("not started")
		}
		resp, err := healthpb.NewHealthClient(t.conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if status.Code(err) == codes.Unimplemented {
			return nil
		}
		if err != nil {
			return err
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("health status %s", resp.GetStatus())
		}
		return nil
	case *httpTransport:
		if t.client == nil {
			return errors.New("not started")
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(t.cfg.Endpoint, "/")+path, http.NoBody)
		if err != nil {
			return err
		}
		resp, err := t.client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.CopyN(io.Discard, resp.Body, maxResponseBytes)
		_ = resp.Body.Close()
		if resp.StatusCode >= 500 {
			return fmt.Errorf("health check answered HTTP %d", resp.StatusCode)
		}
		return nil
	}
	return nil
}
