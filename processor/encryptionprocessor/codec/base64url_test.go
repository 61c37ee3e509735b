package codec

import (
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The payload encoding must be byte for byte base64.RawURLEncoding.Strict():
// the format is fixed, and a second spelling of one payload would make
// ciphertexts malleable.

const maxTestLen = 300

func testRand() *rand.Rand { return rand.New(rand.NewPCG(7, 11)) }

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestEncodeURLMatchesStandard(t *testing.T) {
	r := testRand()
	for n := 0; n <= maxTestLen; n++ {
		inputs := [][]byte{
			make([]byte, n),
			[]byte(strings.Repeat("\xff", n)),
			randomBytes(r, n),
			randomBytes(r, n),
			randomBytes(r, n),
		}
		for _, in := range inputs {
			want := base64.RawURLEncoding.EncodeToString(in)
			require.Equal(t, len(want), encodedLenURL(n), "length %d", n)
			// Into an exact buffer, so a write past the end panics.
			out := make([]byte, encodedLenURL(n))
			encodeURL(out, in)
			require.Equal(t, want, string(out), "length %d input %x", n, in)
			// Appended after a prefix, with and without room.
			require.Equal(t, "enc:"+want, string(appendEncodeURL([]byte("enc:"), in)))
			require.Equal(t, "enc:"+want, string(appendEncodeURL(append(make([]byte, 0, 4+len(want)), "enc:"...), in)))
		}
	}
}

// Every 12-bit group, so every entry of the pair table, at every position of
// the 6-byte step and of the scalar tail.
func TestEncodeURLEveryPair(t *testing.T) {
	for x := range 4096 {
		for _, n := range []int{3, 6, 8, 26, 32} {
			in := make([]byte, n)
			for i := 0; i+2 < n; i += 3 {
				v := uint32(x)<<12 | uint32(4095-x)
				in[i], in[i+1], in[i+2] = byte(v>>16), byte(v>>8), byte(v)
			}
			out := make([]byte, encodedLenURL(n))
			encodeURL(out, in)
			require.Equal(t, base64.RawURLEncoding.EncodeToString(in), string(out))
		}
	}
}

// decodeBoth decodes s with appendDecodeURL and with the standard strict
// decoder and requires the same bytes or the same error.
func decodeBoth(t *testing.T, s string) {
	t.Helper()
	want, wantErr := base64.RawURLEncoding.Strict().DecodeString(s)
	got, gotErr := appendDecodeURL([]byte("pre"), []byte(s))
	switch {
	case wantErr != nil && gotErr != wantErr: //nolint:errorlint // both are base64.CorruptInputError values: equal offsets
		t.Fatalf("input %q: error %v, want %v", s, gotErr, wantErr)
	case wantErr != nil && string(got) != "pre":
		t.Fatalf("input %q: failed decode changed dst to %q", s, got)
	case wantErr == nil && gotErr != nil:
		t.Fatalf("input %q: %v, want %x", s, gotErr, want)
	case wantErr == nil && string(got) != "pre"+string(want):
		t.Fatalf("input %q: got %x, want pre%x", s, got, want)
	}
}

func randomChars(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabetURL[r.IntN(len(alphabetURL))]
	}
	return b
}

// invalidChars is every byte outside the alphabet except the line breaks the
// standard decoder skips (TestDecodeURLRefusesLineBreaks).
func invalidChars() []byte {
	var out []byte
	for c := range 256 {
		if strings.IndexByte(alphabetURL, byte(c)) < 0 && c != '\n' && c != '\r' {
			out = append(out, byte(c))
		}
	}
	return out
}

func TestDecodeURLMatchesStandard(t *testing.T) {
	r := testRand()
	bad := invalidChars()
	for n := 0; n <= maxTestLen; n++ {
		// Valid encodings of random bytes (none for n%4 == 1).
		for range 3 {
			decodeBoth(t, base64.RawURLEncoding.EncodeToString(randomBytes(r, n*3/4)))
		}
		// Random characters: for n%4 of 2 or 3 the unused trailing bits
		// are mostly not zero, which the strict decoders refuse.
		for range 4 {
			decodeBoth(t, string(randomChars(r, n)))
		}
		// One invalid character at every position, and padding.
		valid := randomChars(r, n)
		for i := range n {
			s := append([]byte(nil), valid...)
			s[i] = bad[r.IntN(len(bad))]
			decodeBoth(t, string(s))
		}
		decodeBoth(t, string(valid)+"=")
		decodeBoth(t, string(valid)+"==")
		// Every byte value at the first, middle and last positions.
		if n > 0 {
			for _, i := range []int{0, n / 2, n - 1} {
				for c := range 256 {
					if c == '\n' || c == '\r' {
						continue
					}
					s := append([]byte(nil), valid...)
					s[i] = byte(c)
					decodeBoth(t, string(s))
				}
			}
		}
	}
}

// The standard decoder skips line breaks; the format has none, so they are
// refused, at their offset, even where the rest is valid.
func TestDecodeURLRefusesLineBreaks(t *testing.T) {
	r := testRand()
	for n := 0; n <= maxTestLen; n++ {
		valid := base64.RawURLEncoding.EncodeToString(randomBytes(r, n))
		for _, lb := range []string{"\n", "\r", "\r\n"} {
			i := r.IntN(len(valid) + 1)
			s := valid[:i] + lb + valid[i:]
			_, err := appendDecodeURL(nil, []byte(s))
			var ce base64.CorruptInputError
			require.ErrorAs(t, err, &ce, "input %q: %v", s, err)
			require.Equal(t, base64.CorruptInputError(i), ce, "input %q", s)
		}
	}
}

// Round trip through both of this file's functions.
func TestDecodeURLRoundTrip(t *testing.T) {
	r := testRand()
	for n := 0; n <= maxTestLen; n++ {
		in := randomBytes(r, n)
		enc := appendEncodeURL(nil, in)
		out, err := appendDecodeURL(nil, enc)
		require.NoError(t, err)
		require.Equal(t, string(in), string(out))
	}
}
