package compressionexporter // import "github.com/otelgate/otelgate/exporter/compressionexporter"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/codec"
	"github.com/otelgate/otelgate/exporter/compressionexporter/internal/policy"
)

const maxResponseBytes = 64 * 1024

var httpPaths = map[string]string{
	policy.Traces:  "/v1/traces",
	policy.Metrics: "/v1/metrics",
	policy.Logs:    "/v1/logs",
}

// httpTransport sends marshalled, already compressed OTLP requests over HTTP.
type httpTransport struct {
	cfg          *confighttp.ClientConfig
	acceptBrotli bool
	settings     component.TelemetrySettings
	userAgent    string
	client       *http.Client
}

func (t *httpTransport) start(ctx context.Context, host component.Host) error {
	cfg := *t.cfg
	cfg.Compression = "" // the exporter sets Content-Encoding itself
	client, err := cfg.ToClient(ctx, host.GetExtensions(), t.settings)
	if err != nil {
		return err
	}
	t.client = client
	return nil
}

func (t *httpTransport) shutdown(context.Context) error {
	if t.client != nil {
		t.client.CloseIdleConnections()
	}
	return nil
}

func (t *httpTransport) carries(c string) bool {
	if c == "br" && !t.acceptBrotli {
		return false
	}
	return slices.Contains(transportCodecs[protocolHTTP], c)
}

func (t *httpTransport) format(c string) string { return c }

func (t *httpTransport) url(signal string) string {
	return strings.TrimSuffix(t.cfg.Endpoint, "/") + httpPaths[signal]
}

func (t *httpTransport) send(ctx context.Context, signal string, body []byte, wireCodec string) ([]byte, error) {
	if t.client == nil {
		return nil, errors.New("compression exporter not started")
	}
	url := t.url(signal)
	rb := &requestBody{Reader: bytes.NewReader(body), closed: make(chan struct{})}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, rb)
	if err != nil {
		return nil, consumererror.NewPermanent(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", t.userAgent)
	if wireCodec != codec.None {
		req.Header.Set("Content-Encoding", wireCodec)
	}
	shown := req.URL.Redacted() // never show credentials of the endpoint
	resp, err := t.client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*neturl.Error](err); ok {
			ue.URL = shown
		}
		return nil, fmt.Errorf("failed to make an HTTP request to %s: %w", shown, err)
	}
	defer func() {
		_, _ = io.CopyN(io.Discard, resp.Body, maxResponseBytes)
		_ = resp.Body.Close()
	}()
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		// The transport may close the request body after returning the
		// response; the caller reuses the body's buffer only once it has.
		select {
		case <-rb.closed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/x-protobuf") {
			return nil, nil // not a protobuf response: no partial success to read
		}
		return respBody, nil
	}
	return nil, classifyHTTP(resp.StatusCode, resp.Header, respBody, shown, wireCodec)
}

// classifyHTTP maps a failed response as the core OTLP/HTTP exporter does,
// plus codec rejection: 415, or the collector's 400 "unsupported
// Content-Encoding", means the server does not decode the codec.
func classifyHTTP(statusCode int, header http.Header, body []byte, url, wireCodec string) error {
	msg := fmt.Sprintf("request to %s responded with HTTP status %d", url, statusCode)
	st := &spb.Status{}
	if len(body) > 0 && proto.Unmarshal(body, st) == nil && st.GetMessage() != "" {
		msg += ", message: " + st.GetMessage()
	}
	err := &httpStatusError{code: statusCode, msg: msg}
	if wireCodec != codec.None && (statusCode == http.StatusUnsupportedMediaType ||
		(statusCode == http.StatusBadRequest && bytes.Contains(body, []byte("unsupported Content-Encoding")))) {
		return &codecRejectedError{codec: wireCodec, err: err}
	}
	switch statusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if v := header.Values("Retry-After"); len(v) > 0 {
			if secs, perr := strconv.Atoi(v[0]); perr == nil {
				return exporterhelper.NewThrottleRetry(err, time.Duration(secs)*time.Second)
			}
			if date, perr := time.Parse(time.RFC1123, v[0]); perr == nil {
				return exporterhelper.NewThrottleRetry(err, time.Until(date))
			}
		}
		return err
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return err
	default:
		return consumererror.NewPermanent(err)
	}
}

// httpStatusError is a failed response's status.
type httpStatusError struct {
	code int
	msg  string
}

func (e *httpStatusError) Error() string { return e.msg }

// requestBody reports when the HTTP transport has finished with the body.
type requestBody struct {
	*bytes.Reader
	once   sync.Once
	closed chan struct{}
}

func (b *requestBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}
