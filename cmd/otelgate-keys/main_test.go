package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

func runCmd(t *testing.T, stdin string, args ...string) (int, string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	code, err := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String(), err
}

func secretForms(r *keyring.Ring) []string {
	var forms []string
	data := keyring.Marshal(r)
	for _, line := range strings.Split(string(data), "\n") {
		if k, ok := strings.CutPrefix(strings.TrimSpace(line), "key: "); ok {
			m, _ := base64.StdEncoding.DecodeString(k)
			forms = append(forms, k, base64.RawURLEncoding.EncodeToString(m), string(m))
		}
	}
	return forms
}

func TestKeyCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ring.yaml")
	code, out, _, err := runCmd(t, "", "generate", "--out", path, "--id", "demo-1")
	require.NoError(t, err)
	require.Equal(t, 0, code)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	assert.Contains(t, out, "active key demo-1")

	_, _, _, err = runCmd(t, "", "generate", "--out", path)
	require.ErrorContains(t, err, "already exists", "generate never overwrites a ring")

	_, out, _, err = runCmd(t, "", "add", "--file", path, "--id", "demo-2")
	require.NoError(t, err)
	assert.Contains(t, out, "active key: demo-1", "add keeps the active key")
	_, _, _, err = runCmd(t, "", "add", "--file", path, "--id", "demo-2")
	require.ErrorContains(t, err, `"demo-2" is already in`)
	_, _, _, err = runCmd(t, "", "activate", "--file", path, "--id", "demo-2")
	require.NoError(t, err)
	_, _, _, err = runCmd(t, "", "activate", "--file", path, "--id", "nope")
	require.ErrorContains(t, err, `"nope" is not in`)
	_, out, _, err = runCmd(t, "", "list", "--file", path)
	require.NoError(t, err)
	assert.Equal(t, "  demo-1\n* demo-2\n", out)

	r, err := keyring.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, []string{"demo-1", "demo-2"}, r.IDs())
	fi, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "rewrites keep mode 0600")

	require.NoError(t, os.Chmod(path, 0o644))
	_, _, _, err = runCmd(t, "", "list", "--file", path)
	require.ErrorContains(t, err, "mode 0644")

	code, _, _, err = runCmd(t, "", "frobnicate")
	require.ErrorIs(t, err, errUsage)
	assert.Equal(t, 1, code)
}

func newRingFile(t *testing.T) (string, *keyring.Ring) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ring.yaml")
	_, _, _, err := runCmd(t, "", "generate", "--out", path, "--id", "k1")
	require.NoError(t, err)
	r, err := keyring.ReadFile(path)
	require.NoError(t, err)
	return path, r
}

func TestDecryptOne(t *testing.T) {
	path, r := newRingFile(t)
	var c codec.Codec
	s, err := c.Encrypt(r.Active(), keyring.AES256GCM, codec.LevelRecord, "user.email", pcommon.NewValueStr("alice@example.com"))
	require.NoError(t, err)
	_, out, _, err := runCmd(t, "", "decrypt", "--file", path, "--key-name", "user.email", "--level", "record", s)
	require.NoError(t, err)
	assert.Equal(t, "alice@example.com\n", out)

	n, err := c.Encrypt(r.Active(), keyring.AES256SIV, codec.LevelResource, "user.id", pcommon.NewValueInt(42))
	require.NoError(t, err)
	_, out, _, err = runCmd(t, "", "decrypt", "--file", path, "--key-name", "user.id", "--level", "resource", n)
	require.NoError(t, err)
	assert.Equal(t, "42 (Int)\n", out)

	_, _, _, err = runCmd(t, "", "decrypt", "--file", path, "--key-name", "user.id", "--level", "record", s)
	require.ErrorContains(t, err, "tampered", "wrong attribute key")
	_, _, _, err = runCmd(t, "", "decrypt", "--file", path, "--key-name", "user.email", "--level", "span", s)
	assert.ErrorContains(t, err, `unknown level "span"`)
}

// TestDecryptJSON decrypts a traces, a metrics and a logs export (JSON lines,
// as the file exporter writes) back to the originals, leaves a tampered value
// encrypted and exits 2.
func TestDecryptJSON(t *testing.T) {
	path, r := newRingFile(t)
	var c codec.Codec
	enc := func(level codec.Level, key string, v pcommon.Value) string {
		s, err := c.Encrypt(r.Active(), keyring.ChaCha20Poly1305, level, key, v)
		require.NoError(t, err)
		return s
	}
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("user.id", enc(codec.LevelResource, "user.id", pcommon.NewValueStr("u-1")))
	span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.Attributes().PutStr("user.email", enc(codec.LevelRecord, "user.email", pcommon.NewValueStr("alice@example.com")))
	span.Attributes().PutStr("plain", "clear")
	arr := pcommon.NewValueSlice()
	arr.Slice().AppendEmpty().SetInt(1)
	arr.Slice().AppendEmpty().SetStr("two")
	span.Events().AppendEmpty().Attributes().PutStr("list", enc(codec.LevelEvent, "list", arr))
	span.Links().AppendEmpty().Attributes().PutStr("client.address", enc(codec.LevelLink, "client.address", pcommon.NewValueStr("10.0.0.1")))

	md := pmetric.NewMetrics()
	dp := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetEmptySum().DataPoints().AppendEmpty()
	dp.Attributes().PutStr("user.id", enc(codec.LevelRecord, "user.id", pcommon.NewValueDouble(2.5)))

	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	body := pcommon.NewValueMap()
	body.Map().PutStr("msg", "login alice")
	lr.Body().SetStr(enc(codec.LevelBody, "", body))
	moved := enc(codec.LevelRecord, "user.email", pcommon.NewValueStr("bob@example.com"))
	lr.Attributes().PutStr("user.id", moved) // moved: must stay encrypted

	tj, _ := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	mj, _ := (&pmetric.JSONMarshaler{}).MarshalMetrics(md)
	lj, _ := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	input := string(tj) + "\n" + string(mj) + "\n" + string(lj) + "\n"

	code, out, errOut, err := runCmd(t, input, "decrypt-json", "--file", path)
	require.NoError(t, err)
	assert.Equal(t, 2, code, "a value failed")
	assert.Contains(t, errOut, "decrypted 6 values in 3 documents; left 1 value encrypted (tampered=1)")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)

	gt, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces([]byte(lines[0]))
	require.NoError(t, err)
	grs := gt.ResourceSpans().At(0)
	v, _ := grs.Resource().Attributes().Get("user.id")
	assert.Equal(t, "u-1", v.Str())
	gs := grs.ScopeSpans().At(0).Spans().At(0)
	v, _ = gs.Attributes().Get("user.email")
	assert.Equal(t, "alice@example.com", v.Str())
	v, _ = gs.Attributes().Get("plain")
	assert.Equal(t, "clear", v.Str())
	v, _ = gs.Events().At(0).Attributes().Get("list")
	assert.Equal(t, []any{int64(1), "two"}, v.AsRaw())
	v, _ = gs.Links().At(0).Attributes().Get("client.address")
	assert.Equal(t, "10.0.0.1", v.Str())

	gm, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics([]byte(lines[1]))
	require.NoError(t, err)
	v, _ = gm.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0).Attributes().Get("user.id")
	assert.Equal(t, 2.5, v.Double())

	gl, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs([]byte(lines[2]))
	require.NoError(t, err)
	glr := gl.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, map[string]any{"msg": "login alice"}, glr.Body().AsRaw())
	v, _ = glr.Attributes().Get("user.id")
	assert.Equal(t, moved, v.Str())

	for _, f := range secretForms(r) {
		assert.NotContains(t, out+errOut, f)
	}

	// A single pretty-printed document works too, from a file to a file.
	in := filepath.Join(t.TempDir(), "export.json")
	require.NoError(t, os.WriteFile(in, []byte("\n  "+string(tj)+"\n"), 0o600))
	dst := filepath.Join(t.TempDir(), "clear.json")
	code, _, errOut, err = runCmd(t, "", "decrypt-json", "--file", path, "--in", in, "--out", dst)
	require.NoError(t, err)
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "decrypted 4 values in 1 documents")
	got, err := os.ReadFile(dst)
	require.NoError(t, err)
	assert.Contains(t, string(got), "alice@example.com")

	_, _, _, err = runCmd(t, `{"foo": 1}`, "decrypt-json", "--file", path)
	assert.ErrorContains(t, err, "not an OTLP JSON export")
}
