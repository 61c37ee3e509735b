package codec // import "github.com/otelgate/otelgate/processor/encryptionprocessor/codec"

import (
	"encoding/base64"
	"encoding/binary"
)

// The payload's base64url without padding (RFC 4648 §5), strict, in the same
// bytes as base64.RawURLEncoding.Strict() but faster on long payloads
// (BenchmarkBase64URLEncode, BenchmarkBase64URLDecode): encoding turns each
// 6 input bytes into 8 characters with four lookups in a table of character
// pairs (12 bits of input each) and one 8-byte store; decoding turns each 8
// characters into 6 bytes with lookups of pre-shifted 6-bit values that flag
// a character outside the alphabet in a bit no valid one sets, checked once
// per 8 characters. Whatever the fast path refuses is handed to the standard
// decoder for its exact error, so both accept and reject exactly the same
// strings (tests compare them on every length up to 300 with random,
// corrupted and every-byte inputs, and FuzzBase64URL), except line breaks,
// which the standard decoder skips and this one refuses: the format has none.

const alphabetURL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// stdPayload is the reference decoder, used only for the error of an input
// the fast path refused.
var stdPayload = base64.RawURLEncoding.Strict()

// encPairs[i] holds the two characters of the 12 bits i, first character in
// the low byte (so a little-endian store writes them in order).
var encPairs = func() (t [4096]uint16) {
	for i := range t {
		t[i] = uint16(alphabetURL[i>>6]) | uint16(alphabetURL[i&63])<<8
	}
	return t
}()

// invalidChar is set in a decoded entry of a character outside the alphabet;
// no valid entry sets a bit at or above it.
const invalidChar = 1 << 31

// dec0..dec3[c] is the 6-bit value of character c shifted to its place in a
// group of 4 characters (by 18, 12, 6, 0), or invalidChar. Four arrays
// measured faster than one [4][256]uint32.
var dec0, dec1, dec2, dec3 = func() (d0, d1, d2, d3 [256]uint32) {
	for c := range 256 {
		d0[c], d1[c], d2[c], d3[c] = invalidChar, invalidChar, invalidChar, invalidChar
	}
	for v := range len(alphabetURL) {
		c := alphabetURL[v]
		d0[c], d1[c], d2[c], d3[c] = uint32(v)<<18, uint32(v)<<12, uint32(v)<<6, uint32(v)
	}
	return d0, d1, d2, d3
}()

// decode4 decodes 4 characters into 24 bits, with invalidChar set if one of
// them is not in the alphabet.
func decode4(c0, c1, c2, c3 byte) uint32 {
	return dec0[c0] | dec1[c1] | dec2[c2] | dec3[c3]
}

// encodedLenURL is the length of the base64url without padding of n bytes.
func encodedLenURL(n int) int { return n/3*4 + (n%3*8+5)/6 }

// encodeURL writes the base64url without padding of src to dst, which must be
// at least encodedLenURL(len(src)) long.
func encodeURL(dst, src []byte) {
	// 24 bytes to 32 characters per step; the loads read 8 bytes at offsets
	// 0, 6, 12 and 18, so 26 bytes must be left.
	for len(src) >= 26 && len(dst) >= 32 {
		x0 := binary.BigEndian.Uint64(src[0:])
		x1 := binary.BigEndian.Uint64(src[6:])
		x2 := binary.BigEndian.Uint64(src[12:])
		x3 := binary.BigEndian.Uint64(src[18:])
		binary.LittleEndian.PutUint64(dst[0:], encode48(x0))
		binary.LittleEndian.PutUint64(dst[8:], encode48(x1))
		binary.LittleEndian.PutUint64(dst[16:], encode48(x2))
		binary.LittleEndian.PutUint64(dst[24:], encode48(x3))
		src, dst = src[24:], dst[32:]
	}
	for len(src) >= 8 && len(dst) >= 8 {
		binary.LittleEndian.PutUint64(dst, encode48(binary.BigEndian.Uint64(src)))
		src, dst = src[6:], dst[8:]
	}
	for len(src) >= 3 && len(dst) >= 4 {
		x := uint(src[0])<<16 | uint(src[1])<<8 | uint(src[2])
		binary.LittleEndian.PutUint32(dst, uint32(encPairs[x>>12&0xfff])|uint32(encPairs[x&0xfff])<<16)
		src, dst = src[3:], dst[4:]
	}
	switch len(src) {
	case 2:
		x := uint(src[0])<<16 | uint(src[1])<<8
		_ = dst[2]
		dst[0], dst[1], dst[2] = alphabetURL[x>>18&63], alphabetURL[x>>12&63], alphabetURL[x>>6&63]
	case 1:
		x := uint(src[0]) << 16
		_ = dst[1]
		dst[0], dst[1] = alphabetURL[x>>18&63], alphabetURL[x>>12&63]
	}
}

// encode48 returns the 8 characters of the top 48 bits of x, the first in
// the low byte.
func encode48(x uint64) uint64 {
	return uint64(encPairs[x>>52&0xfff]) |
		uint64(encPairs[x>>40&0xfff])<<16 |
		uint64(encPairs[x>>28&0xfff])<<32 |
		uint64(encPairs[x>>16&0xfff])<<48
}

// appendEncodeURL appends the base64url without padding of src to dst.
func appendEncodeURL(dst, src []byte) []byte {
	n := encodedLenURL(len(src))
	if cap(dst)-len(dst) < n {
		grown := make([]byte, len(dst), len(dst)+n)
		copy(grown, dst)
		dst = grown
	}
	out := dst[len(dst) : len(dst)+n]
	encodeURL(out, src)
	return dst[:len(dst)+n]
}

// appendDecodeURL appends the bytes of the base64url without padding src to
// dst. It accepts exactly what base64.RawURLEncoding.Strict() accepts, minus
// line breaks, and returns the same base64.CorruptInputError for what it
// refuses (for a line break: its offset). On error dst's new bytes are
// unspecified.
func appendDecodeURL(dst, src []byte) ([]byte, error) {
	n := len(src) / 4 * 3
	switch len(src) % 4 {
	case 2:
		n++
	case 3:
		n += 2
	}
	if cap(dst)-len(dst) < n {
		grown := make([]byte, len(dst), len(dst)+n)
		copy(grown, dst)
		dst = grown
	}
	out := dst[len(dst) : len(dst)+n]
	if !decodeURL(out, src) {
		return dst, decodeError(out, src)
	}
	return dst[:len(dst)+n], nil
}

// decodeURL decodes src into dst, which must be exactly as long as the
// decoded bytes, and reports whether src was valid.
func decodeURL(dst, src []byte) bool {
	// 8 characters to 6 bytes per step, stored as one 8-byte word: 12
	// characters must be left so that its 2 extra bytes land inside dst
	// (the next step or the tail overwrites them). A longer step measured
	// slower.
	for len(src) >= 12 && len(dst) >= 8 {
		a := decode4(src[0], src[1], src[2], src[3])
		b := decode4(src[4], src[5], src[6], src[7])
		if (a|b)&invalidChar != 0 {
			return false
		}
		binary.BigEndian.PutUint64(dst, uint64(a)<<40|uint64(b)<<16)
		src, dst = src[8:], dst[6:]
	}
	for len(src) >= 4 && len(dst) >= 3 {
		a := decode4(src[0], src[1], src[2], src[3])
		if a&invalidChar != 0 {
			return false
		}
		dst[0], dst[1], dst[2] = byte(a>>16), byte(a>>8), byte(a)
		src, dst = src[4:], dst[3:]
	}
	switch len(src) {
	case 0:
		return len(dst) == 0
	case 2:
		// 12 bits for 1 byte: the last 4 must be zero (strict).
		a := dec0[src[0]] | dec1[src[1]]
		if a&invalidChar != 0 || a&0xffff != 0 || len(dst) != 1 {
			return false
		}
		dst[0] = byte(a >> 16)
		return true
	case 3:
		// 18 bits for 2 bytes: the last 2 must be zero (strict).
		a := dec0[src[0]] | dec1[src[1]] | dec2[src[2]]
		if a&invalidChar != 0 || a&0xff != 0 || len(dst) != 2 {
			return false
		}
		dst[0], dst[1] = byte(a>>16), byte(a>>8)
		return true
	}
	return false
}

// decodeError is the error for a src that decodeURL refused: the standard
// decoder's (dst has room for it), or a line break's offset, the one thing
// the standard decoder skips.
func decodeError(dst, src []byte) error {
	if _, err := stdPayload.Decode(dst[:cap(dst)], src); err != nil {
		return err
	}
	for i, c := range src {
		if c == '\n' || c == '\r' {
			return base64.CorruptInputError(i)
		}
	}
	// Unreachable: the two decoders agree on everything else.
	return base64.CorruptInputError(0)
}
