// Package e2etest runs the built otelgate binary the way an operator does and
// checks what comes out of it.
//
// A test builds (or reuses) bin/otelgate with Binary, starts a real in-process
// OTLP sink with StartSink, starts the gateway with StartGateway on free
// loopback ports, sends OTLP to it, waits for the sink to receive the expected
// number of items and compares content. Gateway.Metric scrapes the gateway's own
// Prometheus endpoint; Gateway.Stop sends SIGTERM and checks for a clean exit.
//
// Gateway configs read every address from environment variables set by
// StartGateway, so the same YAML works in tests, in the demo and in production:
//
//	OTELGATE_OTLP_GRPC_ENDPOINT     the gateway's OTLP/gRPC receiver (host:port)
//	OTELGATE_OTLP_HTTP_ENDPOINT     the gateway's OTLP/HTTP receiver (host:port)
//	OTELGATE_HEALTH_ENDPOINT        the health_check extension (host:port)
//	OTELGATE_METRICS_PORT           the port of the Prometheus pull reader of the gateway's own metrics
//	OTELGATE_BACKEND_ENDPOINT       the sink's OTLP/gRPC address (host:port)
//	OTELGATE_BACKEND_HTTP_ENDPOINT  the sink's OTLP/HTTP address (http://host:port)
//	OTELGATE_DATA_DIR               a per-gateway temporary directory (file_storage, tables, keys)
//
// Tests that start the binary call SkipIfShort first, so `go test -short` and
// OTELGATE_SKIP_E2E=1 run only the in-process tests.
package e2etest
