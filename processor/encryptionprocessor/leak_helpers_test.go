package encryptionprocessor

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

type observed struct {
	logger *zap.Logger
	logs   *observer.ObservedLogs
}

func observedTelemetry(t *testing.T) (*componenttest.Telemetry, observed) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	core, logs := observer.New(zap.DebugLevel)
	return tel, observed{logger: zap.New(core), logs: logs}
}

// dumpMetrics writes every collected metric (names, attributes, values) and
// every recorded span.
func dumpMetrics(t *testing.T, tel *componenttest.Telemetry, w *bytes.Buffer) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, tel.Reader.Collect(context.Background(), &rm))
	fmt.Fprintf(w, "%+v\n", rm)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			fmt.Fprintf(w, "%s %s %+v\n", m.Name, m.Description, m.Data)
		}
	}
	for _, s := range tel.SpanRecorder.Ended() {
		fmt.Fprintf(w, "%s %+v %+v\n", s.Name(), s.Attributes(), s.Events())
	}
}

// dumpLogs writes every captured log entry with all its fields, encoded the
// way the collector's JSON encoder would.
func dumpLogs(o observed, w *bytes.Buffer) {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	for _, e := range o.logs.All() {
		buf, err := enc.EncodeEntry(e.Entry, e.Context)
		if err == nil {
			w.Write(buf.Bytes())
			buf.Free()
		}
		fmt.Fprintf(w, "%s %+v\n", e.Message, e.Context)
	}
}

// secretForms are the spellings of key material that must never leak.
func secretForms(m []byte) []string {
	return []string{string(m), base64.StdEncoding.EncodeToString(m), base64.RawStdEncoding.EncodeToString(m),
		base64.URLEncoding.EncodeToString(m), base64.RawURLEncoding.EncodeToString(m), hex.EncodeToString(m),
		base64.StdEncoding.EncodeToString(m)[:16], base64.RawURLEncoding.EncodeToString(m)[:16]}
}
