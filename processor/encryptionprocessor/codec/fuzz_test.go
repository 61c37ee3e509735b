package codec

import (
	"encoding/base64"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
)

// FuzzDecodeValue: arbitrary plaintexts never panic, and whatever decodes
// re-encodes to the same bytes (the encoding is canonical).
func FuzzDecodeValue(f *testing.F) {
	for _, v := range sampleValues() {
		f.Add(AppendValue(nil, v))
	}
	f.Add([]byte{tagArray, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{tagMap, 1, 1, 'a', tagMap, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		v := pcommon.NewValueEmpty()
		if DecodeValue(b, v) != nil {
			return
		}
		if got := AppendValue(nil, v); string(got) != string(b) {
			t.Fatalf("not canonical: %x re-encodes to %x", b, got)
		}
	})
}

// FuzzDecrypt: arbitrary strings never panic, leave the value untouched on
// failure, and authenticate only in their one canonical spelling (a second
// spelling of the same payload would make ciphertexts malleable). Forging is
// covered by TestRejections: fuzz workers are separate processes with their
// own random nonces, so they cannot share a list of valid ciphertexts.
func FuzzDecrypt(f *testing.F) {
	k, err := keyring.NewKey("k1", make([]byte, keyring.KeySize))
	if err != nil {
		f.Fatal(err)
	}
	ring, _ := keyring.NewRing([]*keyring.Key{k}, "k1")
	var c Codec
	for _, alg := range keyring.Algorithms() {
		for _, v := range sampleValues() {
			s, err := c.Encrypt(k, alg, LevelRecord, "a", v)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(s)
			f.Add(s[:len(s)-3])
		}
	}
	f.Add("enc:v1:")
	f.Add("enc:v1:aes256gcm:k1:")
	f.Add("enc:v1:aes256siv:k1:AAAA")
	f.Add("enc:v9:x:y:z")
	// Payloads the base64url decoder must refuse: padding, the standard
	// alphabet, line breaks, non-zero trailing bits, a non-ASCII byte.
	f.Add("enc:v1:aes256gcm:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")
	f.Add("enc:v1:aes256gcm:k1:AAAAAAAAAAAAAAAA+/AAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("enc:v1:aes256gcm:k1:AAAAAAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("enc:v1:aes256gcm:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")
	f.Add("enc:v1:aes256gcm:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xe9A")
	f.Fuzz(func(t *testing.T, s string) {
		var c Codec
		into := pcommon.NewValueStr("x")
		err := c.Decrypt(ring, LevelRecord, "a", s, into)
		if err == nil {
			cut := strings.LastIndexByte(s, ':')
			raw, derr := base64.RawURLEncoding.DecodeString(s[cut+1:])
			if derr != nil || s[cut+1:] != base64.RawURLEncoding.EncodeToString(raw) {
				t.Fatalf("non-canonical payload authenticated: %q", s)
			}
		}
		if err != nil && into.Str() != "x" {
			t.Fatalf("value modified on failure")
		}
	})
}

// FuzzBase64URL: the payload encoding agrees with
// base64.RawURLEncoding.Strict() on arbitrary bytes (encoding) and arbitrary
// strings (decoding: the same bytes or the same error; line breaks, which the
// standard decoder skips, are refused).
func FuzzBase64URL(f *testing.F) {
	for _, s := range []string{
		"", "A", "AA", "AB", "AAA", "AAB", "AAAA", "QUJD", "QUJDRA", "QUJDREU",
		"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", "QUJD=", "QUJDRA==", "QU+D", "QU/D",
		"QUJDREVGR0hJ\nSktMTU5PUFFSU1RVVldYWVo", "QUJD\r\n", "\xffQUJD", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWV\x80",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in := []byte(s)
		enc := appendEncodeURL(nil, in)
		if want := base64.RawURLEncoding.EncodeToString(in); string(enc) != want {
			t.Fatalf("encode %x: got %q, want %q", in, enc, want)
		}
		got, err := appendDecodeURL(nil, in)
		want, wantErr := base64.RawURLEncoding.Strict().DecodeString(s)
		if strings.ContainsAny(s, "\r\n") {
			if err == nil {
				t.Fatalf("line break accepted: %q", s)
			}
			return
		}
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("decode %q: error %v, want %v", s, err, wantErr)
		}
		if err == nil && string(got) != string(want) {
			t.Fatalf("decode %q: got %x, want %x", s, got, want)
		}
	})
}
