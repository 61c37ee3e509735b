package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
)

var grpcMethods = map[string]string{
	policy.Traces:  "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
	policy.Metrics: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
	policy.Logs:    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}

// sendBufferPool is the buffer pool of the exporter's gRPC connections.
// gRPC copies every request body into a buffer from its pool and clears the
// buffer's whole capacity first; its default tiers go from 32 KiB straight
// to 1 MiB, so each 33 KiB to 1 MiB request cleared 1 MiB (a request split
// over ten endpoints cleared ten). Tiers of 256 B, 1 KiB and every power of
// two from 4 KiB to 4 MiB clear at most twice a request of 4 KiB or more
// (smaller ones cost little either way).
var sendBufferPool = func() mem.BufferPool {
	p, err := mem.NewBinaryTieredBufferPool(8, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22)
	if err != nil {
		panic(err) // constant, valid exponents
	}
	return p
}()

// grpcTransport sends marshalled, already compressed OTLP requests over gRPC.
type grpcTransport struct {
	cfg       *configgrpc.ClientConfig
	settings  component.TelemetrySettings
	userAgent string
	conn      *grpc.ClientConn
}

func (t *grpcTransport) start(ctx context.Context, host component.Host) error {
	cfg := *t.cfg
	cfg.Compression = "" // the exporter compresses; gRPC only names the encoding
	conn, err := cfg.ToClientConn(ctx, host.GetExtensions(), t.settings,
		configgrpc.WithGrpcDialOption(grpc.WithUserAgent(t.userAgent)),
		configgrpc.WithGrpcDialOption(experimental.WithBufferPool(sendBufferPool)))
	if err != nil {
		return err
	}
	t.conn = conn
	return nil
}

func (t *grpcTransport) shutdown(context.Context) error {
	if t.conn != nil {
		return t.conn.Close()
	}
	return nil
}

// carries reports whether the wire codec can be sent over gRPC from this process.
func (t *grpcTransport) carries(c string) bool {
	return c == codec.None || grpcAvailable[c]
}

// format returns the codec producing the bytes for wire codec c.
func (t *grpcTransport) format(c string) string {
	if f, ok := grpcCodecs[c]; ok {
		return f
	}
	return c
}

func (t *grpcTransport) send(ctx context.Context, signal string, body []byte, wireCodec string) ([]byte, error) {
	if t.conn == nil {
		return nil, errors.New("compression exporter not started")
	}
	opts := []grpc.CallOption{grpc.ForceCodecV2(rawCodec{}), grpc.WaitForReady(t.cfg.WaitForReady)}
	if wireCodec != codec.None {
		release := markPrecompressed(body)
		defer release()
		opts = append(opts, grpc.UseCompressor(wireCodec))
	}
	var reply rawMessage
	err := t.conn.Invoke(ctx, grpcMethods[signal], &rawMessage{data: body}, &reply, opts...)
	if err != nil {
		return nil, classifyGRPC(err, wireCodec)
	}
	return reply.data, nil
}

// classifyGRPC turns a gRPC error into a codec rejection, a permanent error,
// a throttled retry or a plain (retryable) error, as the core OTLP exporter does.
func classifyGRPC(err error, wireCodec string) error {
	st := status.Convert(err)
	if st.Code() == codes.OK {
		return nil
	}
	if wireCodec != codec.None && (st.Code() == codes.Unimplemented || st.Code() == codes.Internal) &&
		strings.Contains(st.Message(), "ompressor is not installed") {
		return &codecRejectedError{codec: wireCodec, err: err}
	}
	var retryInfo *errdetails.RetryInfo
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			retryInfo = ri
		}
	}
	switch st.Code() {
	case codes.Canceled, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange, codes.Unavailable, codes.DataLoss:
	case codes.ResourceExhausted:
		if retryInfo == nil {
			return consumererror.NewPermanent(err)
		}
	default:
		return consumererror.NewPermanent(err)
	}
	if d := retryInfo.GetRetryDelay().AsDuration(); d > 0 {
		return exporterhelper.NewThrottleRetry(err, d)
	}
	return err
}

// rawMessage carries bytes that are already a marshalled protobuf message.
type rawMessage struct{ data []byte }

// rawCodec passes rawMessage bytes through unchanged.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(*rawMessage)
	if !ok {
		return nil, errors.New("raw codec: unexpected message type")
	}
	return mem.BufferSlice{mem.SliceBuffer(m.data)}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(*rawMessage)
	if !ok {
		return errors.New("raw codec: unexpected message type")
	}
	m.data = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }

// codecRejectedError reports that the server does not accept a codec.
type codecRejectedError struct {
	codec string
	err   error
}

func (e *codecRejectedError) Error() string {
	return "server rejected codec " + e.codec + ": " + e.err.Error()
}

func (e *codecRejectedError) Unwrap() error { return e.err }
