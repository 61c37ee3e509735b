package codec

import (
	"encoding/base64"
	"fmt"
	"testing"
)

// base64Sizes are the sealed sizes of 32-byte and 1 KiB values under
// aes256gcm (12-byte nonce, 16-byte tag).
var base64Sizes = []int{12 + 32 + 16, 12 + 1024 + 16}

// BenchmarkBase64URLEncode: the payload encoder next to encoding/base64 on
// the same bytes, into a reused buffer. MB/s count input bytes.
func BenchmarkBase64URLEncode(b *testing.B) {
	for _, n := range base64Sizes {
		in := randomBytes(testRand(), n)
		out := make([]byte, 0, encodedLenURL(n))
		b.Run(fmt.Sprintf("impl=stdlib/bytes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				out = base64.RawURLEncoding.AppendEncode(out[:0], in)
			}
		})
		b.Run(fmt.Sprintf("impl=codec/bytes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				out = appendEncodeURL(out[:0], in)
			}
		})
	}
}

// BenchmarkBase64URLDecode: the payload decoder next to encoding/base64's
// strict decoder on the same string. MB/s count output bytes.
func BenchmarkBase64URLDecode(b *testing.B) {
	for _, n := range base64Sizes {
		in := []byte(base64.RawURLEncoding.EncodeToString(randomBytes(testRand(), n)))
		out := make([]byte, 0, n)
		std := base64.RawURLEncoding.Strict()
		b.Run(fmt.Sprintf("impl=stdlib/bytes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				out, _ = std.AppendDecode(out[:0], in)
			}
		})
		b.Run(fmt.Sprintf("impl=codec/bytes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				out, _ = appendDecodeURL(out[:0], in)
			}
		})
	}
}
