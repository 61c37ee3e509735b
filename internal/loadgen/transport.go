package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// OTLP/gRPC methods.
var grpcMethods = map[Signal]string{
	SignalTraces:  "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
	SignalMetrics: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
	SignalLogs:    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}

// rawCodec passes prebuilt protobuf bytes through gRPC unchanged, so the
// send loop does no marshalling; answers are kept as bytes and decoded with
// the pdata response types.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("raw codec: cannot marshal %T", v)
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	p, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("raw codec: cannot unmarshal into %T", v)
	}
	*p = data.Materialize()
	return nil
}

// Name is "proto": the server decodes the bytes as the protobuf they are.
func (rawCodec) Name() string { return "proto" }

type grpcTransport struct {
	conns []*grpc.ClientConn
	md    metadata.MD
}

func newGRPCTransport(cfg RunConfig) (*grpcTransport, error) {
	t := &grpcTransport{}
	if len(cfg.Headers) > 0 {
		t.md = metadata.New(cfg.Headers)
	}
	for range cfg.Connections {
		cc, err := grpc.NewClient(cfg.Endpoint,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.ForceCodecV2(rawCodec{})))
		if err != nil {
			_ = t.close()
			return nil, fmt.Errorf("endpoint: %w", err)
		}
		t.conns = append(t.conns, cc)
	}
	return t, nil
}

func (t *grpcTransport) send(ctx context.Context, conn int, sig Signal, body []byte) answer {
	if t.md != nil {
		ctx = metadata.NewOutgoingContext(ctx, t.md)
	}
	var resp []byte
	if err := t.conns[conn].Invoke(ctx, grpcMethods[sig], body, &resp); err != nil {
		return answer{err: err}
	}
	return decodeResponse(sig, resp)
}

func (t *grpcTransport) close() error {
	var errs []error
	for _, cc := range t.conns {
		errs = append(errs, cc.Close())
	}
	return errors.Join(errs...)
}

// decodeResponse reads the partial success of an export answer.
func decodeResponse(sig Signal, b []byte) answer {
	switch sig {
	case SignalTraces:
		r := ptraceotlp.NewExportResponse()
		if err := r.UnmarshalProto(b); err != nil {
			return answer{err: fmt.Errorf("undecodable answer: %w", err)}
		}
		return answer{rejected: r.PartialSuccess().RejectedSpans(), message: r.PartialSuccess().ErrorMessage()}
	case SignalMetrics:
		r := pmetricotlp.NewExportResponse()
		if err := r.UnmarshalProto(b); err != nil {
			return answer{err: fmt.Errorf("undecodable answer: %w", err)}
		}
		return answer{rejected: r.PartialSuccess().RejectedDataPoints(), message: r.PartialSuccess().ErrorMessage()}
	default:
		r := plogotlp.NewExportResponse()
		if err := r.UnmarshalProto(b); err != nil {
			return answer{err: fmt.Errorf("undecodable answer: %w", err)}
		}
		return answer{rejected: r.PartialSuccess().RejectedLogRecords(), message: r.PartialSuccess().ErrorMessage()}
	}
}

type httpTransport struct {
	client  *http.Client
	urls    map[Signal]string
	headers map[string]string
}

func newHTTPTransport(cfg RunConfig) (*httpTransport, error) {
	base := strings.TrimSuffix(cfg.Endpoint, "/")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		base = "http://" + base
	}
	conns := cfg.Connections * len(cfg.Signals)
	return &httpTransport{
		client: &http.Client{Transport: &http.Transport{
			MaxConnsPerHost:     conns,
			MaxIdleConnsPerHost: conns,
			DisableCompression:  true,
		}},
		urls: map[Signal]string{
			SignalTraces:  base + "/v1/traces",
			SignalMetrics: base + "/v1/metrics",
			SignalLogs:    base + "/v1/logs",
		},
		headers: cfg.Headers,
	}, nil
}

func (t *httpTransport) send(ctx context.Context, _ int, sig Signal, body []byte) answer {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.urls[sig], bytes.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	for k, v := range t.headers {
		req.Header.Set(k, v)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return answer{err: fmt.Errorf("HTTP %d: reading answer: %w", resp.StatusCode, err)}
	}
	if resp.StatusCode != http.StatusOK {
		return answer{err: fmt.Errorf("HTTP %d: %s", resp.StatusCode, statusMessage(b))}
	}
	return decodeResponse(sig, b)
}

// statusMessage is the message of a google.rpc.Status body, or the start of
// the body when it is not one.
func statusMessage(b []byte) string {
	var st spb.Status
	if err := proto.Unmarshal(b, &st); err == nil && st.GetMessage() != "" {
		return st.GetMessage()
	}
	const maxLen = 200
	if len(b) > maxLen {
		b = b[:maxLen]
	}
	return strings.TrimSpace(string(b))
}

func (t *httpTransport) close() error {
	t.client.CloseIdleConnections()
	return nil
}
