package gatewayproc

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

// ServeOTLP runs the collector's own OTLP receiver (gRPC and HTTP, every
// codec the collector decodes) in this process on free loopback ports,
// handing what it receives to the three consumers: the backend of a gateway
// under test. A port another process takes between FreeAddr and the bind is
// retried on fresh ports (StartAttempts in all). It returns the gRPC
// host:port, the HTTP base URL and the function that stops the receivers.
func ServeOTLP(traces consumer.Traces, metrics consumer.Metrics, logs consumer.Logs) (grpcEndpoint, httpEndpoint string, stop func(), err error) {
	for range StartAttempts {
		var g, h string
		if g, err = FreeAddr(); err != nil {
			return "", "", nil, err
		}
		if h, err = FreeAddr(); err != nil {
			return "", "", nil, err
		}
		if stop, err = serveOTLP(g, h, traces, metrics, logs); err == nil {
			return g, "http://" + h, stop, nil
		}
		if !IsAddrInUse(err.Error()) {
			break
		}
	}
	return "", "", nil, err
}

func serveOTLP(grpcAddr, httpAddr string, traces consumer.Traces, metrics consumer.Metrics, logs consumer.Logs) (func(), error) {
	f := otlpreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*otlpreceiver.Config)
	grpcCfg := cfg.Protocols.GRPC.GetOrInsertDefault()
	grpcCfg.NetAddr.Endpoint = grpcAddr
	grpcCfg.MaxRecvMsgSizeMiB = 64
	httpCfg := cfg.Protocols.HTTP.GetOrInsertDefault()
	httpCfg.ServerConfig.NetAddr.Endpoint = httpAddr
	cfg.Protocols.GRPC = configoptional.Some(*grpcCfg)
	cfg.Protocols.HTTP = configoptional.Some(*httpCfg)

	set := receivertest.NewNopSettings(f.Type())
	ctx := context.Background()
	tr, err := f.CreateTraces(ctx, set, cfg, traces)
	if err != nil {
		return nil, fmt.Errorf("traces receiver: %w", err)
	}
	mr, err := f.CreateMetrics(ctx, set, cfg, metrics)
	if err != nil {
		return nil, fmt.Errorf("metrics receiver: %w", err)
	}
	lr, err := f.CreateLogs(ctx, set, cfg, logs)
	if err != nil {
		return nil, fmt.Errorf("logs receiver: %w", err)
	}
	all := []component.Component{tr, mr, lr}
	stop := func() {
		for _, r := range all {
			_ = r.Shutdown(context.Background())
		}
	}
	host := componenttest.NewNopHost()
	for _, r := range all {
		if err := r.Start(ctx, host); err != nil {
			stop()
			return nil, fmt.Errorf("start: %w", err)
		}
	}
	return stop, nil
}
