package codec

import (
	"bytes"
	"encoding/base64"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
)

// testKey returns a key whose material is 32 copies of b (test-only).
func testKey(t testing.TB, id string, b byte) *keyring.Key {
	t.Helper()
	k, err := keyring.NewKey(id, bytes.Repeat([]byte{b}, keyring.KeySize))
	require.NoError(t, err)
	return k
}

func testRing(t testing.TB, active string, keys ...*keyring.Key) *keyring.Ring {
	t.Helper()
	r, err := keyring.NewRing(keys, active)
	require.NoError(t, err)
	return r
}

// sampleValues returns one value of every type, including nested ones and
// edge cases (empty string, NaN payload, negative zero, min int).
func sampleValues() map[string]pcommon.Value {
	vals := map[string]pcommon.Value{}
	vals["string"] = pcommon.NewValueStr("alice@example.com")
	vals["empty_string"] = pcommon.NewValueStr("")
	vals["unicode"] = pcommon.NewValueStr("Zoë ✓ 日本")
	vals["int"] = pcommon.NewValueInt(-42)
	vals["min_int"] = pcommon.NewValueInt(math.MinInt64)
	vals["double"] = pcommon.NewValueDouble(3.25)
	vals["neg_zero"] = pcommon.NewValueDouble(math.Copysign(0, -1))
	vals["nan"] = pcommon.NewValueDouble(math.Float64frombits(0x7ff8000000000123))
	vals["bool_true"] = pcommon.NewValueBool(true)
	vals["bool_false"] = pcommon.NewValueBool(false)
	b := pcommon.NewValueBytes()
	b.Bytes().FromRaw([]byte{0, 1, 2, 255})
	vals["bytes"] = b
	vals["empty_bytes"] = pcommon.NewValueBytes()
	vals["empty"] = pcommon.NewValueEmpty()
	arr := pcommon.NewValueSlice()
	arr.Slice().AppendEmpty().SetStr("a")
	arr.Slice().AppendEmpty().SetInt(7)
	arr.Slice().AppendEmpty().SetEmptyMap().PutBool("deep", true)
	vals["array"] = arr
	m := pcommon.NewValueMap()
	m.Map().PutStr("k", "v")
	m.Map().PutDouble("d", -1.5)
	m.Map().PutEmptySlice("s").AppendEmpty().SetEmptyBytes().FromRaw([]byte("x"))
	m.Map().PutEmpty("nil")
	vals["map"] = m
	vals["empty_map"] = pcommon.NewValueMap()
	vals["empty_array"] = pcommon.NewValueSlice()
	return vals
}

// sameValue compares type and content exactly (doubles by bits).
func sameValue(t *testing.T, want, got pcommon.Value) {
	t.Helper()
	require.Equal(t, want.Type(), got.Type())
	if want.Type() == pcommon.ValueTypeDouble {
		assert.Equal(t, math.Float64bits(want.Double()), math.Float64bits(got.Double()))
		return
	}
	assert.Equal(t, want.AsRaw(), got.AsRaw())
	assert.True(t, want.Equal(got))
}

func TestRoundTripEveryTypeLevelAlgorithm(t *testing.T) {
	k := testKey(t, "k1", 1)
	ring := testRing(t, "k1", k)
	var c Codec
	for _, alg := range keyring.Algorithms() {
		for l := range NumLevels {
			level := Level(l)
			for name, v := range sampleValues() {
				s, err := c.Encrypt(k, alg, level, "attr."+name, v)
				require.NoError(t, err)
				require.True(t, strings.HasPrefix(s, Prefix+alg.String()+":k1:"), s)
				assert.NotContains(t, s, "alice")
				got := pcommon.NewValueStr("placeholder")
				require.NoError(t, c.Decrypt(ring, level, "attr."+name, s, got), "%s/%s/%s", alg, level, name)
				sameValue(t, v, got)
			}
		}
	}
}

func reasonOf(t *testing.T, err error) Reason {
	t.Helper()
	var e *Error
	require.ErrorAs(t, err, &e, "want *codec.Error, got %v", err)
	return e.Reason
}

func TestRejections(t *testing.T) {
	k1 := testKey(t, "k1", 1)
	ring := testRing(t, "k1", k1)
	otherMaterial := testRing(t, "k1", testKey(t, "k1", 2)) // same ID, another key
	var c Codec
	for _, alg := range keyring.Algorithms() {
		t.Run(alg.String(), func(t *testing.T) {
			s, err := c.Encrypt(k1, alg, LevelRecord, "user.email", pcommon.NewValueStr("alice@example.com"))
			require.NoError(t, err)
			header := s[:strings.LastIndexByte(s, ':')+1]
			raw, err := base64.RawURLEncoding.DecodeString(s[len(header):])
			require.NoError(t, err)

			check := func(name string, keys KeyLookup, level Level, key, value string, want Reason) {
				t.Helper()
				into := pcommon.NewValueStr("untouched")
				err := c.Decrypt(keys, level, key, value, into)
				require.Error(t, err, name)
				assert.Equal(t, want, reasonOf(t, err), "%s: %v", name, err)
				assert.Equal(t, "untouched", into.Str(), "%s: value modified on failure", name)
			}

			// Every single-bit flip anywhere in the payload is rejected.
			for i := range raw {
				for bit := range 8 {
					mod := bytes.Clone(raw)
					mod[i] ^= 1 << bit
					check("flip", ring, LevelRecord, "user.email", header+base64.RawURLEncoding.EncodeToString(mod), ReasonTampered)
				}
			}
			// Truncation: removing bytes from the end.
			for n := 1; n < len(raw); n++ {
				want := ReasonTampered
				if n < k1.Cipher(alg).Overhead() {
					want = ReasonTruncated
				}
				check("truncate", ring, LevelRecord, "user.email", header+base64.RawURLEncoding.EncodeToString(raw[:n]), want)
			}
			check("empty payload", ring, LevelRecord, "user.email", header, ReasonTruncated)
			check("moved attribute", ring, LevelRecord, "user.id", s, ReasonTampered)
			check("moved level", ring, LevelResource, "user.email", s, ReasonTampered)
			check("moved to event", ring, LevelEvent, "user.email", s, ReasonTampered)
			check("wrong key same id", otherMaterial, LevelRecord, "user.email", s, ReasonTampered)
			check("unknown key id", testRing(t, "k2", testKey(t, "k2", 1)), LevelRecord, "user.email", s, ReasonUnknownKey)
			// Relabelling with another key ID holding the same material, or
			// another algorithm, fails: both are in the associated data.
			twin := testRing(t, "k9", testKey(t, "k9", 1))
			check("relabelled key id", twin, LevelRecord, "user.email", strings.Replace(s, ":k1:", ":k9:", 1), ReasonTampered)
			for _, other := range keyring.Algorithms() {
				if other != alg {
					relabelled := strings.Replace(s, ":"+alg.String()+":", ":"+other.String()+":", 1)
					want := ReasonTampered
					if len(raw) < k1.Cipher(other).Overhead() {
						want = ReasonTruncated
					}
					check("relabelled algorithm", ring, LevelRecord, "user.email", relabelled, want)
				}
			}
			check("padded base64", ring, LevelRecord, "user.email", s+"=", ReasonMalformed)
			check("std alphabet", ring, LevelRecord, "user.email", header+"ab+/", ReasonMalformed)
			check("not ours", ring, LevelRecord, "user.email", "alice@example.com", ReasonMalformed)
			check("future version", ring, LevelRecord, "user.email", strings.Replace(s, "enc:v1:", "enc:v2:", 1), ReasonMalformed)
			check("unknown algorithm", ring, LevelRecord, "user.email", strings.Replace(s, alg.String(), "rot13", 1), ReasonMalformed)
			check("bad key id", ring, LevelRecord, "user.email", strings.Replace(s, ":k1:", ":k 1:", 1), ReasonMalformed)
			check("no key id", ring, LevelRecord, "user.email", Prefix+alg.String(), ReasonMalformed)
		})
	}
}

func TestRandomNonceAlgorithmsNeverRepeat(t *testing.T) {
	k := testKey(t, "k1", 1)
	var c Codec
	for _, alg := range []keyring.Algorithm{keyring.AES256GCM, keyring.ChaCha20Poly1305} {
		seen := map[string]bool{}
		for range 200 {
			s, err := c.Encrypt(k, alg, LevelRecord, "user.id", pcommon.NewValueStr("same"))
			require.NoError(t, err)
			require.False(t, seen[s], "%s: repeated ciphertext", alg)
			seen[s] = true
		}
	}
}

func TestDeterministicMode(t *testing.T) {
	k1, k2 := testKey(t, "k1", 1), testKey(t, "k2", 2)
	var c Codec
	enc := func(k *keyring.Key, level Level, key, v string) string {
		s, err := c.Encrypt(k, keyring.AES256SIV, level, key, pcommon.NewValueStr(v))
		require.NoError(t, err)
		return s
	}
	a := enc(k1, LevelRecord, "user.id", "u-1")
	assert.Equal(t, a, enc(k1, LevelRecord, "user.id", "u-1"), "equal plaintexts under one key and context")
	assert.NotEqual(t, a, enc(k1, LevelRecord, "user.id", "u-2"), "different plaintexts")
	payload := func(s string) string { return s[strings.LastIndexByte(s, ':')+1:] }
	assert.NotEqual(t, payload(a), payload(enc(k2, LevelRecord, "user.id", "u-1")), "across keys")
	assert.NotEqual(t, payload(a), payload(enc(k1, LevelRecord, "user.email", "u-1")), "across attribute keys")
	assert.NotEqual(t, payload(a), payload(enc(k1, LevelResource, "user.id", "u-1")), "across levels")
}

func TestValueEncodingRejectsHostileInput(t *testing.T) {
	cases := map[string][]byte{
		"empty":            {},
		"unknown tag":      {0x09},
		"short int":        {tagInt, 1, 2},
		"bool 2":           {tagBool, 2},
		"string too long":  {tagString, 10, 'a'},
		"huge count":       {tagArray, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"trailing":         {tagBool, 1, 0},
		"dup map key":      {tagMap, 2, 1, 'a', tagEmpty, 1, 'a', tagEmpty},
		"bad varint":       {tagString, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
		"too deep":         append(bytes.Repeat([]byte{tagArray, 1}, maxDepth+2), tagEmpty),
		"map missing val":  {tagMap, 1, 1, 'a'},
		"array short":      {tagArray, 2, tagEmpty},
		"double too short": {tagDouble, 0, 0, 0, 0, 0, 0, 0},
	}
	for name, b := range cases {
		assert.Error(t, DecodeValue(b, pcommon.NewValueEmpty()), name)
	}
}

func TestLevelAndReasonNames(t *testing.T) {
	for l := range NumLevels {
		got, err := ParseLevel(Level(l).String())
		require.NoError(t, err)
		assert.Equal(t, Level(l), got)
	}
	_, err := ParseLevel("span")
	require.ErrorContains(t, err, `unknown level "span"`)
	assert.Equal(t, "tampered", ReasonTampered.String())
}
