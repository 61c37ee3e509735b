package encryptionprocessor

import (
	"context"
	"encoding/base64"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/extension/keyringextension"
	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/internal/metadata"
)

// Test-only keys (bytes 0..31 and 32..63). Never use them anywhere else.
const (
	testKey1 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	testKey2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
)

var keyringID = component.MustNewID("keyring")

type host map[component.ID]component.Component

func (h host) GetExtensions() map[component.ID]component.Component { return h }

// startKeyring starts a keyring extension from cfg and returns a host that
// holds it.
func startKeyring(t testing.TB, cfg *keyringextension.Config, set component.TelemetrySettings) (host, extension.Extension) {
	t.Helper()
	es := extensiontest.NewNopSettings(component.MustNewType("keyring"))
	es.TelemetrySettings = set
	ext, err := keyringextension.NewFactory().Create(context.Background(), es, cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return host{keyringID: ext}, ext
}

func inlineRing(active string, keys map[string]string) *keyringextension.Config {
	cfg := keyringextension.NewFactory().CreateDefaultConfig().(*keyringextension.Config)
	for id, k := range keys {
		cfg.Keys = append(cfg.Keys, keyringextension.KeyConfig{ID: id, Key: configopaqueString(k)})
	}
	cfg.Active = active
	return cfg
}

func newPipeline(t testing.TB, cfg *Config, h host, set component.TelemetrySettings) *testutil.Processors {
	t.Helper()
	require.NoError(t, cfg.Validate())
	ps := processortest.NewNopSettings(metadata.Type)
	ps.TelemetrySettings = set
	return testutil.StartProcessors(t, NewFactory(), ps, cfg, h)
}

func nopSettings() component.TelemetrySettings {
	s := componenttest.NewNopTelemetrySettings()
	s.Logger = zap.NewNop()
	return s
}

func cfgWith(action string, mod func(*Config)) *Config {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.Action = action
	cfg.Attributes = []AttributeConfig{{Key: "user.email"}, {Key: "user.id"}, {Key: "client.address"}, {Key: "secret.*", MatchType: MatchGlob}, {Key: `^acct\.[0-9]+$`, MatchType: MatchRegex}}
	if mod != nil {
		mod(cfg)
	}
	return cfg
}

// putSelected puts one attribute of every value type under selected keys and
// an unselected "service.note" attribute.
func putSelected(m pcommon.Map) {
	m.PutStr("user.email", "alice@example.com")
	m.PutInt("user.id", -1234567890123)
	m.PutDouble("secret.ratio", math.Pi)
	m.PutBool("secret.flag", true)
	m.PutEmptyBytes("secret.blob").FromRaw([]byte{0, 1, 2, 0xfe})
	arr := m.PutEmptySlice("acct.1")
	arr.AppendEmpty().SetStr("x")
	arr.AppendEmpty().SetDouble(-0.5)
	mp := m.PutEmptyMap("acct.22")
	mp.PutStr("iban", "DE00 1234")
	mp.PutEmptyMap("nested").PutInt("n", 7)
	m.PutEmpty("client.address")
	m.PutStr("service.note", "kept in clear")
}

const selectedPerMap = 8

func sampleTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	putSelected(rs.Resource().Attributes())
	ss := rs.ScopeSpans().AppendEmpty()
	putSelected(ss.Scope().Attributes())
	for range 2 {
		s := ss.Spans().AppendEmpty()
		s.SetName("op")
		putSelected(s.Attributes())
		putSelected(s.Events().AppendEmpty().Attributes())
		putSelected(s.Links().AppendEmpty().Attributes())
	}
	return td
}

func sampleMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	putSelected(rm.Resource().Attributes())
	sm := rm.ScopeMetrics().AppendEmpty()
	putSelected(sm.Scope().Attributes())
	ms := sm.Metrics()
	g := ms.AppendEmpty()
	g.SetName("g")
	putSelected(g.SetEmptyGauge().DataPoints().AppendEmpty().Attributes())
	s := ms.AppendEmpty()
	s.SetName("s")
	putSelected(s.SetEmptySum().DataPoints().AppendEmpty().Attributes())
	h := ms.AppendEmpty()
	h.SetName("h")
	putSelected(h.SetEmptyHistogram().DataPoints().AppendEmpty().Attributes())
	e := ms.AppendEmpty()
	e.SetName("e")
	putSelected(e.SetEmptyExponentialHistogram().DataPoints().AppendEmpty().Attributes())
	su := ms.AppendEmpty()
	su.SetName("su")
	putSelected(su.SetEmptySummary().DataPoints().AppendEmpty().Attributes())
	return md
}

func sampleLogs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	putSelected(rl.Resource().Attributes())
	sl := rl.ScopeLogs().AppendEmpty()
	putSelected(sl.Scope().Attributes())
	lr := sl.LogRecords().AppendEmpty()
	putSelected(lr.Attributes())
	lr.Body().SetEmptyMap().PutStr("message", "login by alice@example.com")
	lr2 := sl.LogRecords().AppendEmpty()
	putSelected(lr2.Attributes())
	lr2.Body().SetStr("plain body alice@example.com")
	return ld
}

func rawKey(t testing.TB, b64 string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	return b
}
